; Stated types of names, for typed call resolution: @type.assign on an assignment that states
; (or constructs) the type of `self.x` / a local, @type.param on an annotated parameter.
(assignment left: (attribute) right: (call)) @type.assign
(assignment left: (attribute) right: (identifier)) @type.assign
(assignment left: (attribute) type: (type)) @type.assign
(assignment left: (identifier) type: (type)) @type.assign
(assignment left: (identifier) right: (call)) @type.assign
(typed_parameter) @type.param
(typed_default_parameter) @type.param
