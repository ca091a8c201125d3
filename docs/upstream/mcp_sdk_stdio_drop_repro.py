"""Minimal reproduction: the stdio transport drops requests it cannot validate, with no JSON-RPC reply."""
import json, subprocess, sys, select, time

SERVER = r'''
from mcp.server.mcpserver import MCPServer
app = MCPServer("repro")
@app.tool()
async def echo(text: str) -> str:
    return text
app.run()
'''

def read(p, timeout):
    r, _, _ = select.select([p.stdout], [], [], timeout)
    return json.loads(p.stdout.readline()) if r else None

p = subprocess.Popen([sys.executable, "-c", SERVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
def send(raw: bytes):
    p.stdin.write(raw + b"\n"); p.stdin.flush()
send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-06-18",
     "capabilities": {}, "clientInfo": {"name": "repro", "version": "0"}}}).encode())
print("initialize ->", "result" in read(p, 30))
send(b'{"jsonrpc":"2.0","method":"notifications/initialized"}')
cases = {
    "deep JSON (300 levels)": b'{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{"text":' + b"[" * 300 + b"]" * 300 + b"}}}",
    "lone surrogate \\ud800": b'{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"echo\\ud800","arguments":{}}}',
    "truncated JSON": b'{"jsonrpc":"2.0","id":4,"method":',
    "not JSON": b"not json",
}
for name, raw in cases.items():
    send(raw)
    print(f"{name}: reply within 5 s ->", read(p, 5))
send(json.dumps({"jsonrpc": "2.0", "id": 5, "method": "tools/call", "params": {"name": "echo", "arguments": {"text": "still alive"}}}).encode())
print("normal call afterwards ->", (read(p, 10) or {}).get("result", {}).get("content"))
p.kill()
