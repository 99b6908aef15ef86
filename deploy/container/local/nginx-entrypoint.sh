#!/bin/sh
# What the official nginx image's entrypoint does for compose.yaml: source /docker-entrypoint.d/*.envsh (compose
# mounts Steward's, which sets STEWARD_DNS), then write each /etc/nginx/templates/NAME.template to
# /etc/nginx/conf.d/NAME with ${STEWARD_DNS} filled in. Only that variable: the templates' own nginx variables
# ($host, $uri …) are left as they are.
set -eu
for script in /docker-entrypoint.d/*.envsh; do
    [ -x "$script" ] && . "$script"
done
for template in /etc/nginx/templates/*.template; do
    [ -e "$template" ] || continue
    sed "s/\${STEWARD_DNS}/${STEWARD_DNS:-127.0.0.11}/g" "$template" > "/etc/nginx/conf.d/$(basename "$template" .template)"
done
exec "$@"
