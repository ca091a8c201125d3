; Stated types for typed call resolution in TypeScript / TSX (`this.users.create()` with
; `constructor(private readonly users: UsersService)`): @type.field scopes to the class, @type.param to the
; function (a parameter property — `private`/`readonly`/… — to its class too), @type.local to the function.
(public_field_definition name: (property_identifier) type: (type_annotation)) @type.field
(required_parameter pattern: (identifier) type: (type_annotation)) @type.param
(optional_parameter pattern: (identifier) type: (type_annotation)) @type.param
(variable_declarator name: (identifier) type: (type_annotation)) @type.local
