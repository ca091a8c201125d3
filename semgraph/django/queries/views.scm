; top-level function definitions (function views) and the calls and assignments inside any function
(function_definition
  name: (identifier) @func.name
  body: (block) @func.body) @func
