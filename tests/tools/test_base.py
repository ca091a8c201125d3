"""register_tool: flat input schema, annotations, structured output, errors as is_error."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pytest
from mcp import Client
from mcp.server.mcpserver import MCPServer
from pydantic import BaseModel, Field

from semgraph.config import Settings
from semgraph.errors import NotFoundError
from semgraph.tools._base import PageInfo, PageInput, ToolCall, ToolEnv, ToolInput, ToolServer, register_tool


class EchoIn(PageInput):
    word: Annotated[str, Field(min_length=1, description="the word")]
    boom: bool = False


class EchoOut(BaseModel):
    words: list[str]
    page: PageInfo


def make_app(tmp_path: Path) -> MCPServer:
    app = ToolServer("t")
    env = ToolEnv.from_settings(Settings.build([tmp_path]))

    @register_tool(
        app, env, name="echo", description="Echo a word.", input_model=EchoIn, output_model=EchoOut, read_only=True
    )
    async def echo(params: EchoIn, call: ToolCall) -> EchoOut:
        if params.word == "missing":
            raise NotFoundError("no such word", hint="try another")
        if params.boom:
            raise RuntimeError("kaboom")
        words = [params.word] * 3
        chosen = words[params.offset : params.offset + params.limit]
        return EchoOut(words=chosen, page=PageInfo.of(len(words), params.offset, params.limit, len(chosen)))

    return app


async def test_schema_annotations_and_output(tmp_path: Path) -> None:
    async with Client(make_app(tmp_path)) as client:
        tools = (await client.list_tools()).tools
        (tool,) = tools
        assert set(tool.input_schema["properties"]) == {"word", "boom", "limit", "offset"}
        assert tool.input_schema["required"] == ["word"]
        assert tool.annotations.read_only_hint is True
        assert tool.annotations.destructive_hint is False
        assert tool.output_schema["title"] == "EchoOut"
        result = await client.call_tool("echo", {"word": "hi", "limit": 2, "offset": 0})
        assert not result.is_error
        assert result.structured_content["words"] == ["hi", "hi"]
        assert result.structured_content["page"]["next_offset"] == 2


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ({"word": "missing"}, "Error executing tool echo: no such word (try another)"),
        (
            {"word": "x", "boom": True},
            "Error executing tool echo: internal error (RuntimeError: kaboom); the server is still running",
        ),
        ({"word": "x", "limit": -1}, "limit"),
        ({"word": "x", "limit": 10_000}, "limit"),
        ({"word": "x", "colour": "red"}, "colour"),
        ({}, "Error executing tool echo: invalid arguments: word: Field required"),
        ({"colour": "red"}, "unknown argument(s) colour; accepted: boom, limit, offset, word"),
    ],
)
async def test_errors_are_is_error_and_server_survives(tmp_path: Path, args: dict, expected: str) -> None:
    async with Client(make_app(tmp_path)) as client:
        result = await client.call_tool("echo", args)
        assert result.is_error
        text = result.content[0].text
        assert expected in text
        assert "Traceback" not in text
        again = await client.call_tool("echo", {"word": "ok", "limit": 1})
        assert again.structured_content["words"] == ["ok"]


class FactoryIn(ToolInput):
    tags: Annotated[list[str], Field(default_factory=list, description="tags")]
    size: Annotated[int, Field(ge=1, description="size")] = 3


async def test_default_factory_fields_register_and_default(tmp_path: Path) -> None:
    app = MCPServer("t")
    env = ToolEnv.from_settings(Settings.build([tmp_path]))

    @register_tool(
        app,
        env,
        name="tags",
        description="Return the tags and size given.",
        input_model=FactoryIn,
        output_model=FactoryIn,
        read_only=True,
    )
    async def tags(params: FactoryIn, call: ToolCall) -> FactoryIn:
        return params

    async with Client(app) as client:
        (tool,) = (await client.list_tools()).tools
        assert tool.input_schema["properties"]["size"]["minimum"] == 1
        assert tool.input_schema["properties"]["size"]["default"] == 3
        assert (await client.call_tool("tags", {})).structured_content == {"tags": [], "size": 3}
        assert (await client.call_tool("tags", {"tags": ["a"]})).structured_content == {"tags": ["a"], "size": 3}


class Tree(BaseModel):
    label: str
    children: list[Tree] = []


def test_inline_refs_gives_the_same_schema_without_references() -> None:
    import jsonschema

    from semgraph.tools._base import inline_refs

    schema = EchoOut.model_json_schema()
    assert "$ref" in str(schema)
    flat = inline_refs(schema)
    assert "$ref" not in str(flat) and "$defs" not in flat
    assert flat["properties"]["page"]["title"] == "PageInfo"
    good = {"words": ["a"], "page": PageInfo.of(0, 0, 10, 0).model_dump()}
    bad = {"words": ["a"], "page": {**good["page"], "total": "many"}}
    for s in (schema, flat):
        jsonschema.validate(good, s)
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, s)


def test_inline_refs_keeps_a_self_reference() -> None:
    from semgraph.tools._base import inline_refs

    schema: dict = {"type": "object", "properties": {"tree": {"$ref": "#/$defs/Tree"}}}
    schema["$defs"] = Tree.model_json_schema()["$defs"]
    flat = inline_refs(schema)
    assert flat["properties"]["tree"]["title"] == "Tree"
    assert flat["properties"]["tree"]["properties"]["children"]["items"] == {"$ref": "#/$defs/Tree"}
    assert "Tree" in flat["$defs"]


async def test_published_output_schemas_have_no_references(tmp_path: Path) -> None:
    async with Client(make_app(tmp_path)) as client:
        (tool,) = (await client.list_tools()).tools
        assert "$ref" not in str(tool.output_schema)
        assert tool.output_schema["properties"]["page"]["title"] == "PageInfo"
        result = await client.call_tool("echo", {"word": "hi"})
        assert result.structured_content["words"] == ["hi", "hi", "hi"]
