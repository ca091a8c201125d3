; Stated types of locals, for typed call resolution in JavaScript, TypeScript and TSX: `const s = new Svc()`
; (@type.local scopes to the enclosing function, or the file).
(variable_declarator name: (identifier) value: (new_expression)) @type.local
