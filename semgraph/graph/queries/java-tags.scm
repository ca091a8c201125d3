; Definitions. Capture names: @def.<kind> on the definition node.
(class_declaration) @def.class
(record_declaration) @def.class
(interface_declaration) @def.interface
(annotation_type_declaration) @def.interface
(enum_declaration) @def.enum
(method_declaration) @def.function
(constructor_declaration) @def.function
(compact_constructor_declaration) @def.function
(annotation_type_element_declaration) @def.function
(enum_constant) @def.variant
(field_declaration) @def.field
(constant_declaration) @def.field
