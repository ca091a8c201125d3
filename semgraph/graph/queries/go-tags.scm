; Definitions. Capture names: @def.<kind> on the definition node.
(function_declaration) @def.function
(method_declaration) @def.method
(type_spec type: (struct_type)) @def.struct
(type_spec type: (interface_type)) @def.interface
(type_spec) @def.type
(type_alias) @def.type
(field_declaration_list (field_declaration) @def.field)
(interface_type (method_elem) @def.method_elem)
(source_file (const_declaration (const_spec) @def.constant))
(source_file (var_declaration (var_spec) @def.variable))
(source_file (var_declaration (var_spec_list (var_spec) @def.variable)))
(short_var_declaration right: (expression_list . (func_literal))) @def.closure
