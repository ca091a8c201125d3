; Imports for JavaScript, TypeScript and TSX: ES imports, re-exports, require(), import().
(import_statement) @import.es
(export_statement source: (_)) @import.export
(call_expression
  function: (identifier) @_require
  arguments: (arguments . (string))
  (#eq? @_require "require")) @import.require
(call_expression
  function: (import)
  arguments: (arguments . (string))) @import.dynamic
