#!/bin/sh
# What the official nginx image's entrypoint does for compose.yaml: each /etc/nginx/templates/NAME.template becomes
# /etc/nginx/conf.d/NAME with ${NGINX_LOCAL_RESOLVERS} set to the container's DNS servers (from /etc/resolv.conf),
# so nginx can find the web container by name again after it restarts. Only that one variable is replaced: the
# templates' own nginx variables ($host, $uri …) are left as they are.
set -eu
resolvers="$(awk '/^nameserver/ { if ($2 ~ /:/) printf "[%s] ", $2; else printf "%s ", $2 }' /etc/resolv.conf)"
for template in /etc/nginx/templates/*.template; do
    [ -e "$template" ] || continue
    name="$(basename "$template" .template)"
    sed "s/\${NGINX_LOCAL_RESOLVERS}/${resolvers% }/g" "$template" > "/etc/nginx/conf.d/$name"
done
exec "$@"
