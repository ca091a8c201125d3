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
; `export default name;` / `export default function name…` / `export default class Name…`: the module's default
; export, recorded as an import of the module itself binding `default` (so `import x from './m'` reaches it)
(export_statement "default" value: (identifier)) @import.default
(export_statement "default" declaration: [(function_declaration) (class_declaration) (generator_function_declaration)]) @import.default
