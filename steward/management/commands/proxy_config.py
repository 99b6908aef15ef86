from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from steward.proxy_config import CONTAINER_SITE, EXAMPLE_NAME, ProxySite


class Command(BaseCommand):
    help = (
        "Print the reverse proxy's configuration for this site (nginx or caddy), filled from Steward's settings: the host of "
        "SITE_URL, STATIC_ROOT, and a body limit that fits the largest report the evidence limits allow (docs/operations.md, "
        "'Behind a reverse proxy'). --example prints the shipped files in deploy/."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("proxy", choices=["nginx", "caddy"])
        parser.add_argument("--example", action="store_true", help="the example site of the shipped files, not this site's settings")
        parser.add_argument(
            "--container", action="store_true", help="nginx: compose.yaml's proxy (deploy/container/nginx.conf; docs/container.md)"
        )
        parser.add_argument("--server-name", help="the public host name (default: SITE_URL's host)")
        parser.add_argument("--upstream", help="where gunicorn listens (default 127.0.0.1:8000)")
        parser.add_argument("--static-root", help="the collected static files (default: STATIC_ROOT)")
        parser.add_argument("--certificate", help="nginx: the TLS certificate chain (default: Let's Encrypt's place for the name)")
        parser.add_argument("--certificate-key", help="nginx: its private key")
        parser.add_argument("--http-port", type=int, help="default 80")
        parser.add_argument("--https-port", type=int, help="default 443")
        parser.add_argument("--bind-address", help="nginx: listen on this address only (default: every address)")
        parser.add_argument("--log-dir", help="default /var/log/nginx or /var/log/caddy")

    def handle(self, *args: Any, **options: Any) -> None:
        overrides = {
            name: options[name]
            for name in (
                "server_name",
                "upstream",
                "static_root",
                "certificate",
                "certificate_key",
                "http_port",
                "https_port",
                "bind_address",
                "log_dir",
            )
        }
        if options["container"]:
            if options["proxy"] != "nginx" or options["example"]:
                raise CommandError("--container is compose.yaml's nginx: give it with nginx, without --example.")
            site = ProxySite(**{**CONTAINER_SITE, **{key: value for key, value in overrides.items() if value not in (None, "")}})
        elif options["example"]:
            if any(value not in (None, "") for value in overrides.values()):
                raise CommandError("--example prints the shipped files as they are: give no other option with it.")
            site = ProxySite(server_name=EXAMPLE_NAME)
        else:
            site = ProxySite.from_settings(**overrides)
        self.stdout.write(site.nginx() if options["proxy"] == "nginx" else site.caddy(), ending="")
