"""Domain package `django`: templates → query plan → serializer, read statically (knows nothing of MCP).

Public API (plain functions over pydantic models / dataclasses):

- ``template_vars.extract_template_variables(source, name=, loader=)`` → ``TemplateVariables``
  (``DirLoader(dirs)`` resolves ``include`` / ``extends`` names);
- ``model_graph.build_model_graph(project)`` / ``load_graph(project)`` → ``ModelGraph``;
- ``view_finder.find_views(project, graph)`` → ``[ViewInfo]``;
- ``optimizer.optimize_project(project, view=, template=, model=, paths=, rows=, include_only=)``
  → ``OptimizationReport`` (with a unified diff);
- ``serializer_gen.generate_serializer(model, paths, style, graph=, cache=)`` → ``(SerializerResult, function)``.

The user's project is never imported: Python sources are read with tree-sitter, templates with Django's
own lexer and expression parser, without settings and without rendering.
"""
