"""The reverse proxy's configuration (nginx, Caddy), filled from Steward's own settings.

The proxy must accept the largest report Steward accepts, or the reporter gets the proxy's 413 and loses what
they typed; so the body limit is computed here from the evidence limits, never written by hand. The files
shipped in deploy/ are this module's output for the example site (`manage.py proxy_config nginx --example`), and
a test keeps them equal to it.
"""

import math
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings

TEMPLATES = Path(__file__).resolve().parent / "proxy_templates"
MIB = 1024 * 1024
# The example site of the shipped files: an operator replaces these (or regenerates with their own values).
EXAMPLE_NAME = "conduct.example.org"
EXAMPLE_STATIC_ROOT = "/srv/steward/var/staticfiles"
# compose.yaml's proxy (docs/container.md): the web service by name, the certificate where the compose file mounts
# it, logs to the container's output, and static files left to the web container (WhiteNoise): the proxy's image
# does not hold them. deploy/container/nginx.conf is `manage.py proxy_config nginx --container`.
CONTAINER_LOGS = "-"
NO_STATIC = "-"
CONTAINER_SITE = {
    "server_name": "_",
    "upstream": "web:8000",
    "static_root": NO_STATIC,
    "certificate": "/etc/steward-tls/fullchain.pem",
    "certificate_key": "/etc/steward-tls/privkey.pem",
    "log_dir": CONTAINER_LOGS,
    "origin": "for compose.yaml's proxy (--container): any host name, the certificate in secrets/tls/",
}


def request_body_limit() -> int:
    """The largest request Steward accepts, in bytes rounded up to whole MiB: every evidence file at its limit, the
    form's text fields at Django's limit, and a MiB for the multipart framing (boundaries, part headers)."""
    files = settings.STEWARD_EVIDENCE_MAX_FILES * settings.STEWARD_EVIDENCE_MAX_BYTES
    fields = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0
    return (math.ceil((files + fields) / MIB) + 1) * MIB


@dataclass(frozen=True)
class ProxySite:
    server_name: str
    upstream: str = "127.0.0.1:8000"
    static_root: str = EXAMPLE_STATIC_ROOT
    certificate: str = ""  # default: Let's Encrypt's place for server_name
    certificate_key: str = ""
    http_port: int = 80
    https_port: int = 443
    bind_address: str = ""  # empty: every address, IPv4 and IPv6
    log_dir: str = ""  # default: the proxy's usual log directory; CONTAINER_LOGS: the container's output
    origin: str = "for the example site conduct.example.org (--example): use your own name and paths"

    @classmethod
    def from_settings(cls, **overrides: object) -> "ProxySite":
        """The site Steward's settings describe: SITE_URL's host and STATIC_ROOT, unless overridden."""
        values: dict[str, object] = {"static_root": str(settings.STATIC_ROOT), "origin": "from this site's settings"}
        if getattr(settings, "SITE_URL_CONFIGURED", False):
            values["server_name"] = urlsplit(settings.SITE_URL).hostname or EXAMPLE_NAME
        values.update({key: value for key, value in overrides.items() if value not in (None, "")})
        values.setdefault("server_name", EXAMPLE_NAME)
        return cls(**values)  # type: ignore[arg-type]

    def _values(self, log_dir: str) -> dict[str, str]:
        limit = request_body_limit()
        letsencrypt = f"/etc/letsencrypt/live/{self.server_name}"
        static_url = "/" + settings.STATIC_URL.strip("/") + "/"
        return {
            "origin": self.origin,
            "server_name": self.server_name,
            "upstream": self.upstream,
            "static_root": self.static_root.rstrip("/"),
            "static_url": static_url,
            "certificate": self.certificate or f"{letsencrypt}/fullchain.pem",
            "certificate_key": self.certificate_key or f"{letsencrypt}/privkey.pem",
            "https_suffix": "" if self.https_port == 443 else f":{self.https_port}",
            "log_dir": (self.log_dir or log_dir).rstrip("/"),
            **self._logs(self.log_dir or log_dir),
            "static_location": self._static_location(static_url),
            "redirect_host": "$host" if self.server_name == "_" else self.server_name,
            "placement": self._placement(),
            **self._upstream(),
            "max_files": str(settings.STEWARD_EVIDENCE_MAX_FILES),
            "max_file_mb": f"{settings.STEWARD_EVIDENCE_MAX_BYTES / MIB:g}",
            "body_limit": f"{limit // MIB}m",
            "body_limit_caddy": f"{limit // MIB}MiB",
            "listen_http": self._listen(self.http_port, ""),
            "listen_https": self._listen(self.https_port, " ssl"),
        }

    def _upstream(self) -> dict[str, str]:
        if self.server_name == "_":
            # In compose the web container's address changes when it restarts, and nginx resolves a name in an
            # upstream block once, at start: it would answer 502 until restarted itself. A variable in proxy_pass is
            # resolved again (every 10 s at most) through the container network's DNS server, which the nginx image
            # fills in when it writes the site from this template (deploy/container/nginx-resolver.envsh).
            return {
                "upstream_block": "# The web container, found by name through the container network's DNS at each request.\n"
                "resolver ${STEWARD_DNS} valid=10s ipv6=off;",
                "proxy_pass": f"        set $steward_web http://{self.upstream};\n        proxy_pass $steward_web;",
            }
        return {
            "upstream_block": f"upstream steward_app {{\n    server {self.upstream};\n    keepalive 8;\n}}",
            "proxy_pass": "        proxy_pass http://steward_app;",
        }

    def _placement(self) -> str:
        if self.server_name == "_":
            return (
                "# compose.yaml mounts it as the nginx image's template /etc/nginx/templates/default.conf.template (the image\n"
                "# writes /etc/nginx/conf.d/default.conf from it, with the container's DNS resolver) and sets\n"
                "# STEWARD_TRUSTED_PROXIES to the proxy's network, BEHIND_TLS_PROXY=true and SITE_URL from your environment."
            )
        return (
            "# Goes in nginx's http context: /etc/nginx/conf.d/steward.conf (Debian: or sites-available/ with a link in\n"
            f"# sites-enabled/). Then set STEWARD_TRUSTED_PROXIES=127.0.0.1, BEHIND_TLS_PROXY=true, SITE_URL=https://{self.server_name}."
        )

    @staticmethod
    def _logs(log_dir: str) -> dict[str, str]:
        if log_dir == CONTAINER_LOGS:
            return {"access_log": "/dev/stdout", "error_log": "/dev/stderr"}
        return {"access_log": f"{log_dir.rstrip('/')}/steward.access.log", "error_log": f"{log_dir.rstrip('/')}/steward.error.log"}

    def _static_location(self, static_url: str) -> str:
        if self.static_root == NO_STATIC:
            return "    # Static files come from the web container (WhiteNoise), through the location below."
        return f"    location {static_url} {{\n        alias {self.static_root.rstrip('/')}/;\n        expires 1h;\n    }}"

    def _listen(self, port: int, flags: str) -> str:
        if self.bind_address:
            return f"    listen {self.bind_address}:{port}{flags};"
        return f"    listen {port}{flags};\n    listen [::]:{port}{flags};"

    def nginx(self) -> str:
        return _fill("nginx.conf", self._values("/var/log/nginx"))

    def caddy(self) -> str:
        return _fill("Caddyfile", self._values("/var/log/caddy"))


def _fill(template: str, values: dict[str, str]) -> str:
    text = (TEMPLATES / template).read_text()
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", value)
    if "{{" in text:
        raise ValueError(f"{template}: a placeholder has no value: {text[text.index('{{') :][:40]}")
    return text
