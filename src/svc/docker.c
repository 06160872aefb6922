/*
 * docker.c - the Docker Engine API (docs.docker.com/engine/api/): "GET
 * /version" over plain HTTP answers the engine's version; whoever can ask
 * that can also start a privileged container.
 */
#include <stdio.h>
#include <string.h>

#include "svc/svc_int.h"

static const struct portier_probe_finding no_auth = {
	PORTIER_RISK_HIGH,
	"docker-api-no-auth",
	"The Docker Engine API answers without authentication: anyone who "
	"reaches the port can start a privileged container with the host's "
	"root filesystem mounted, which is full root on the host.",
	"Never expose the API on tcp://...:2375.  Linux: remove -H tcp://... "
	"from dockerd's options (/etc/docker/daemon.json 'hosts', the systemd "
	"unit) and use the unix socket, an SSH tunnel (DOCKER_HOST=ssh://...) "
	"or TLS with client certificates on 2376 (--tlsverify, --tlscacert); "
	"Windows (Docker Desktop): untick 'Expose daemon on tcp://localhost:"
	"2375 without TLS'.",
};

static enum portier_svc_verdict docker_judge(const struct svc_http_resp *r,
					     struct portier_svc *s)
{
	char ver[48] = "", api[16] = "", os[24] = "", arch[24] = "",
	     platform[64] = "";
	bool podman;

	if (r->status != 200 || r->body_len == 0)
		return PORTIER_SVC_NOT;
	if (!svc_json_string(r->body, r->body_len, "Version", ver,
			     sizeof(ver)) ||
	    !svc_json_string(r->body, r->body_len, "ApiVersion", api,
			     sizeof(api)))
		return PORTIER_SVC_NOT;
	svc_json_string(r->body, r->body_len, "Os", os, sizeof(os));
	svc_json_string(r->body, r->body_len, "Arch", arch, sizeof(arch));
	svc_json_string(r->body, r->body_len, "Platform.Name", platform,
			sizeof(platform));
	podman = svc_starts((const uint8_t *)platform, strlen(platform),
			    "Podman", true);
	svc_recognised(s, "docker");
	portier_strlcpy(s->product, podman ? "Podman" : "Docker",
			sizeof(s->product));
	portier_strlcpy(s->version, ver, sizeof(s->version));
	snprintf(s->extrainfo, sizeof(s->extrainfo), "API %s%s%s%s%s", api,
		 os[0] ? "; " : "", os, arch[0] ? "/" : "", arch);
	if (strcmp(os, "linux") == 0)
		portier_strlcpy(s->ostype, "Linux", sizeof(s->ostype));
	else if (strcmp(os, "windows") == 0)
		portier_strlcpy(s->ostype, "Windows", sizeof(s->ostype));
	snprintf(s->match_text, sizeof(s->match_text),
		 "Version:%s ApiVersion:%s Os:%s", ver, api, os);
	portier_svc_add_finding(s, &no_auth,
				"GET /version answered without credentials "
				"(%s %s, API %s)",
				s->product, ver, api);
	return PORTIER_SVC_DONE;
}

static enum portier_svc_verdict
docker_step(struct portier_svc_conv *c, const uint8_t *in, size_t n,
	    uint8_t *out, size_t cap, size_t *out_len, struct portier_svc *s)
{
	uint8_t body[4096];
	struct svc_http_resp r;
	enum portier_svc_verdict v;

	v = svc_http_step(c, "/version", in, n, out, cap, out_len, body,
			  sizeof(body), &r);
	if (v != PORTIER_SVC_DONE)
		return v;
	return docker_judge(&r, s);
}

static const uint16_t docker_ports[] = {2375, 0};

const struct portier_svc_proto portier_svc_docker = {
	.name = "docker",
	.ports = docker_ports,
	.rarity = 5,
	.server_first = false,
	.step = docker_step,
};
