# Sourced by start_ckan.sh in the web container, after prerun.py has run
# `ckan db init` (core + pending plugin migrations). Applies the same explicit
# plugin migrations as scripts/run.sh; both are no-ops when up to date.
for _plugin in activity harvest; do
    ckan -c "$CKAN_INI" db upgrade -p "$_plugin" \
        || echo "10-plugin-migrations: 'ckan db upgrade -p $_plugin' failed" >&2
done
unset _plugin
