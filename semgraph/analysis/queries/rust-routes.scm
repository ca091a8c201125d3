; .route("/path", web::post().to(handler)) (Actix) and .route("/path", get(h).post(h2)) (Axum)
(call_expression
  function: (field_expression field: (field_identifier) @method)
  arguments: (arguments . (string_literal) @path . (_) @handler)) @route

; .service(handler) / .service(web::resource(...)) (Actix)
(call_expression
  function: (field_expression field: (field_identifier) @svc_method)
  arguments: (arguments . (_) @service .)) @service_call

; clap sub-command dispatch: match arms `Commands::Name { .. } => body`
(match_arm
  pattern: (_) @arm_pattern
  value: (_) @arm_value) @arm

; #[derive(Subcommand)] enum variants
(enum_item
  name: (type_identifier) @enum_name
  body: (enum_variant_list) @variants) @enum
