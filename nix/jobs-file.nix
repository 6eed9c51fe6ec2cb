# Renders `services.backbeat.jobs` as the jobs file that
# `backbeat import --sync` applies (api-spec/jobs-file.schema.json):
#   { "jobs": { "<name>": { "title": …, "body": …, "schedule": {…}, … } } }
# Null fields are left out (the API's default applies), and so is the
# module system's `_module`. Builtins only, so the tests can evaluate it
# without nixpkgs.
jobs:
let
  withoutNulls =
    value:
    if builtins.isAttrs value then
      builtins.mapAttrs (_: withoutNulls) (
        builtins.removeAttrs value (builtins.filter (k: value.${k} == null) (builtins.attrNames value))
      )
    else
      value;
in
builtins.toJSON {
  jobs = builtins.mapAttrs (_: job: withoutNulls (builtins.removeAttrs job [ "_module" ])) jobs;
}
