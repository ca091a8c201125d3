; Stated types of locals, parameters and fields, for typed call resolution (`repo.save()` with
; `UserRepository repo`): @type.local / @type.param scope to the method, @type.field to the class.
(local_variable_declaration type: (_) declarator: (variable_declarator name: (identifier))) @type.local
(formal_parameter type: (_) name: (identifier)) @type.param
(field_declaration type: (_) declarator: (variable_declarator name: (identifier))) @type.field
