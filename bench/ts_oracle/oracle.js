#!/usr/bin/env node
// The bench's TypeScript/JavaScript oracle for call resolution (bench/resolution.py), not part of semgraph.
//
// stdin: {"root": "/abs/checkout", "sites": [{"key": "...", "path": "src/a.ts", "line": 12, "col": 5, "name": "f"}]}
//   (line 1-based, col 1-based: where semgraph's call edge starts; name: the callee's last name)
// stdout: one JSON object per site: {"key", "def": "path:line" | null, "why"} or {"key", "skip": reason}
//   def "path:line": the callable the TypeScript language service (getDefinitionAtPosition at the callee's
//   name) finds inside the checkout (a constructor counts as its class); null: no project definition (a
//   library's, a .d.ts, or a receiver the compiler types any/error: an unresolved package, since the
//   checkout's node_modules are not installed); skip: the oracle cannot judge (a call through a variable,
//   parameter or property, no matching call expression).
"use strict";
const fs = require("fs");
const path = require("path");
const ts = require("typescript");

function readStdin() {
  return JSON.parse(fs.readFileSync(0, "utf8"));
}

function compilerSetup(root, extraFiles) {
  let options = { allowJs: true, checkJs: false, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS };
  let fileNames = [];
  const configPath = ts.findConfigFile(root, ts.sys.fileExists, "tsconfig.json");
  if (configPath && path.dirname(configPath) === root) {
    const read = ts.readConfigFile(configPath, ts.sys.readFile);
    if (!read.error) {
      const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, root, undefined, configPath);
      options = { ...parsed.options, allowJs: true, noEmit: true };
      fileNames = parsed.fileNames;
    }
  }
  const all = new Set(fileNames.map((f) => path.resolve(f)));
  for (const f of extraFiles) all.add(f);
  return { options, fileNames: [...all] };
}

function makeService(root, extraFiles) {
  const { options, fileNames } = compilerSetup(root, extraFiles);
  const snapshots = new Map();
  const host = {
    getScriptFileNames: () => fileNames,
    getScriptVersion: () => "0",
    getScriptSnapshot: (f) => {
      if (!snapshots.has(f)) {
        if (!fs.existsSync(f)) return undefined;
        snapshots.set(f, ts.ScriptSnapshot.fromString(fs.readFileSync(f, "utf8")));
      }
      return snapshots.get(f);
    },
    getCurrentDirectory: () => root,
    getCompilationSettings: () => options,
    getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
    fileExists: ts.sys.fileExists,
    readFile: ts.sys.readFile,
    readDirectory: ts.sys.readDirectory,
    directoryExists: ts.sys.directoryExists,
    getDirectories: ts.sys.getDirectories,
  };
  return ts.createLanguageService(host, ts.createDocumentRegistry());
}

// every call / new expression of a file by its start and by its callee name's start (line:col, 1-based)
function callsByStart(sf) {
  const out = new Map();
  const add = (pos, node) => {
    const { line, character } = sf.getLineAndCharacterOfPosition(pos);
    const k = `${line + 1}:${character + 1}`;
    if (!out.has(k)) out.set(k, []);
    if (!out.get(k).includes(node)) out.get(k).push(node);
  };
  const visit = (node) => {
    if (ts.isCallExpression(node) || ts.isNewExpression(node)) {
      add(node.getStart(sf), node);
      const name = calleeName(node);
      if (name) add(name.getStart(sf), node);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

function calleeName(call) {
  let e = call.expression;
  while (e && (ts.isParenthesizedExpression(e) || ts.isNonNullExpression(e) || ts.isAsExpression(e))) e = e.expression;
  if (!e) return null;
  if (ts.isPropertyAccessExpression(e)) return e.name;
  if (ts.isIdentifier(e)) return e;
  return null;
}

function enclosingDeclaration(node) {
  // the declaration whose name the definition span covers
  let cur = node;
  while (cur && !ts.isSourceFile(cur)) {
    if (
      ts.isFunctionDeclaration(cur) || ts.isMethodDeclaration(cur) || ts.isMethodSignature(cur) ||
      ts.isClassDeclaration(cur) || ts.isClassExpression(cur) || ts.isConstructorDeclaration(cur) ||
      ts.isVariableDeclaration(cur) || ts.isPropertyDeclaration(cur) || ts.isPropertySignature(cur) ||
      ts.isParameter(cur) || ts.isPropertyAssignment(cur) || ts.isShorthandPropertyAssignment(cur) ||
      ts.isGetAccessorDeclaration(cur) || ts.isInterfaceDeclaration(cur) || ts.isEnumDeclaration(cur) ||
      ts.isModuleDeclaration(cur) || ts.isImportSpecifier(cur) || ts.isImportClause(cur) ||
      ts.isNamespaceImport(cur) || ts.isImportEqualsDeclaration(cur) || ts.isBindingElement(cur) || ts.isFunctionExpression(cur) ||
      ts.isTypeAliasDeclaration(cur)
    ) {
      return cur;
    }
    cur = cur.parent;
  }
  return null;
}

function isFunctionValue(init) {
  while (init && (ts.isParenthesizedExpression(init) || ts.isAsExpression(init))) init = init.expression;
  return !!init && (ts.isArrowFunction(init) || ts.isFunctionExpression(init));
}

// (declaration node to report, "callable" | "value") for a definition's declaration
function classify(decl) {
  if (ts.isConstructorDeclaration(decl)) return [decl.parent, "callable"];
  if (ts.isFunctionDeclaration(decl) || ts.isMethodDeclaration(decl) || ts.isMethodSignature(decl)) return [decl, "callable"];
  if (ts.isClassDeclaration(decl) || ts.isClassExpression(decl)) return [decl, "callable"];
  if (ts.isFunctionExpression(decl)) return [decl, "callable"];
  if ((ts.isVariableDeclaration(decl) || ts.isPropertyDeclaration(decl) || ts.isPropertyAssignment(decl)) && isFunctionValue(decl.initializer)) {
    return [ts.isVariableDeclaration(decl) ? decl.parent.parent : decl, "callable"];
  }
  return [decl, "value"];
}

function hasBody(decl) {
  return !!(decl.body || ts.isClassDeclaration(decl) || ts.isVariableStatement(decl) || ts.isPropertyDeclaration(decl));
}

function judge(ls, program, checker, root, site, byFile) {
  const file = path.join(root, site.path);
  const sf = program.getSourceFile(file);
  if (!sf) return { skip: "file not in the program" };
  if (!byFile.has(file)) byFile.set(file, callsByStart(sf));
  const starts = byFile.get(file);
  let cands = (starts.get(`${site.line}:${site.col}`) || []).filter((c) => {
    const n = calleeName(c);
    return n && n.text === site.name;
  });
  if (cands.length === 0) {
    // the same name called once on that line (semgraph's column may differ for a wrapped call)
    const onLine = [];
    for (const list of starts.values()) {
      for (const c of list) {
        const n = calleeName(c);
        if (n && n.text === site.name && sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1 === site.line) onLine.push(c);
      }
    }
    if (onLine.length === 1) cands = onLine;
  }
  if (cands.length === 0) return { skip: "no call expression there" };
  const call = cands[cands.length - 1]; // the innermost of calls starting at one place with the same name
  const nameNode = calleeName(call);
  const defs = ls.getDefinitionAtPosition(file, nameNode.getStart(sf)) || [];
  if (defs.length === 0) {
    // no definition: the receiver (or the name) is any / error: an unresolved package or an untyped value
    const target = ts.isPropertyAccessExpression(nameNode.parent) ? nameNode.parent.expression : nameNode;
    const type = checker.getTypeAtLocation(target);
    if (type && type.flags & ts.TypeFlags.Any) return { def: null, why: `receiver type ${type.intrinsicName || "any"}` };
    if (ts.isIdentifier(target) && !checker.getSymbolAtLocation(target)) return { def: null, why: "unknown name" };
    return { skip: "no definition" };
  }
  const found = [];
  for (const d of defs) {
    const inProject = !path.relative(root, d.fileName).startsWith("..") && !d.fileName.includes("/node_modules/");
    if (!inProject || d.fileName.endsWith(".d.ts")) {
      found.push({ outside: true });
      continue;
    }
    const dsf = program.getSourceFile(d.fileName);
    if (!dsf) continue;
    let node = findNode(dsf, d.textSpan.start);
    const decl = node ? enclosingDeclaration(node) : null;
    if (!decl) continue;
    if (ts.isImportSpecifier(decl) || ts.isImportClause(decl) || ts.isNamespaceImport(decl) || ts.isImportEqualsDeclaration(decl)) {
      // the definition stops at the import: its module did not resolve (a package not installed here)
      found.push({ outside: true, unresolved: true });
      continue;
    }
    const [shown, what] = classify(decl);
    // the line of the declaration's name: decorators and modifiers may come first, on lines of their own
    const at = shown.name && !ts.isVariableStatement(shown) ? shown.name : shown;
    const line = dsf.getLineAndCharacterOfPosition(at.getStart(dsf)).line + 1;
    found.push({ path: path.relative(root, d.fileName).split(path.sep).join("/"), line, what, body: hasBody(shown) });
  }
  if (found.length === 0) return { skip: "definition not mapped" };
  const project = found.filter((f) => !f.outside);
  if (project.length === 0) {
    return { def: null, why: found.some((f) => f.unresolved) ? "import of an unresolved package" : "library definition" };
  }
  const callables = project.filter((f) => f.what === "callable");
  if (callables.length === 0) return { skip: "a call through a value (variable, parameter, property)" };
  const best = callables.find((f) => f.body) || callables[callables.length - 1];
  return { def: `${best.path}:${best.line}`, why: "definition", n: callables.length };
}

function findNode(sf, pos) {
  let hit = null;
  const visit = (node) => {
    if (node.getStart(sf) <= pos && pos < node.getEnd()) {
      hit = node;
      ts.forEachChild(node, visit);
    }
  };
  ts.forEachChild(sf, visit);
  return hit;
}

function main() {
  const input = readStdin();
  const root = path.resolve(input.root);
  const extra = [...new Set(input.sites.map((s) => path.join(root, s.path)))];
  const ls = makeService(root, extra);
  const program = ls.getProgram();
  const checker = program.getTypeChecker();
  const byFile = new Map();
  for (const site of input.sites) {
    let out;
    try {
      out = judge(ls, program, checker, root, site, byFile);
    } catch (err) {
      out = { skip: `oracle error: ${err && err.message}` };
    }
    process.stdout.write(JSON.stringify({ key: site.key, ...out }) + "\n");
  }
}

main();
