/*
 * elasticsearch.c - the Elasticsearch (and OpenSearch) REST API: "GET /"
 * answers a JSON document with the cluster's name and version when no
 * security is on, or 401 with the "security" realm when it is.
 */
#include <stdio.h>
#include <string.h>

#include "svc/svc_int.h"

static const struct portier_probe_finding no_auth = {
	PORTIER_RISK_HIGH,
	"elasticsearch-no-auth",
	"The Elasticsearch REST API answers without authentication: anyone "
	"who reaches the port reads, changes and deletes every index (open "
	"clusters are routinely wiped and held for ransom).",
	"Linux: xpack.security.enabled: true in elasticsearch.yml (the default "
	"since 8.0) with passwords set by elasticsearch-reset-password, "
	"network.host: 127.0.0.1 unless other hosts need it, and a firewall "
	"on 9200/9300; OpenSearch: keep the security plugin on.  Windows: "
	"the same settings in config\\elasticsearch.yml.",
};

static enum portier_svc_verdict es_judge(const struct portier_svc_conv *c,
					 const struct svc_http_resp *r,
					 struct portier_svc *s)
{
	char tag[96] = "", num[48] = "", lucene[32] = "", cluster[48] = "",
	     dist[24] = "";
	const uint8_t *v;
	size_t vl;
	bool opensearch;

	(void)c;
	if (r->status == 401) {
		/* security on: Basic realm="security" (ES), OpenSearch too */
		if (!svc_http_header(r, "WWW-Authenticate", &v, &vl) ||
		    !memmem(v, vl, "realm=\"security\"", 16))
			return PORTIER_SVC_NOT;
		svc_recognised(s, "http");
		portier_strlcpy(s->product, "Elasticsearch REST API",
				sizeof(s->product));
		snprintf(s->match_text, sizeof(s->match_text),
			 "HTTP/1.%u 401; WWW-Authenticate: %.*s", r->minor,
			 (int)(vl > 160 ? 160 : vl), (const char *)v);
		portier_strlcpy(s->extrainfo, "authentication required",
				sizeof(s->extrainfo));
		return PORTIER_SVC_DONE;
	}
	if (r->status != 200 || r->body_len == 0)
		return PORTIER_SVC_NOT;
	svc_json_string(r->body, r->body_len, "tagline", tag, sizeof(tag));
	if (!svc_json_string(r->body, r->body_len, "version.number", num,
			     sizeof(num)) ||
	    !svc_json_string(r->body, r->body_len, "cluster_name", cluster,
			     sizeof(cluster)))
		return PORTIER_SVC_NOT;
	svc_json_string(r->body, r->body_len, "version.distribution", dist,
			sizeof(dist));
	opensearch = strcmp(dist, "opensearch") == 0;
	if (!opensearch && strcmp(tag, "You Know, for Search") != 0)
		return PORTIER_SVC_NOT;
	svc_json_string(r->body, r->body_len, "version.lucene_version", lucene,
			sizeof(lucene));
	svc_recognised(s, "http");
	portier_strlcpy(s->product,
			opensearch ? "OpenSearch REST API"
				   : "Elasticsearch REST API",
			sizeof(s->product));
	portier_strlcpy(s->version, num, sizeof(s->version));
	snprintf(s->extrainfo, sizeof(s->extrainfo), "cluster: %s%s%s", cluster,
		 lucene[0] ? "; Lucene " : "", lucene);
	snprintf(s->match_text, sizeof(s->match_text),
		 "%s version:%s lucene:%s",
		 opensearch ? "opensearch" : "elasticsearch", num, lucene);
	portier_svc_add_finding(s, &no_auth,
				"GET / answered without credentials (cluster "
				"\"%s\", version %s)",
				cluster, num);
	return PORTIER_SVC_DONE;
}

static enum portier_svc_verdict es_step(struct portier_svc_conv *c,
					const uint8_t *in, size_t n,
					uint8_t *out, size_t cap,
					size_t *out_len, struct portier_svc *s)
{
	uint8_t body[4096];
	struct svc_http_resp r;
	enum portier_svc_verdict v;

	v = svc_http_step(c, "/", in, n, out, cap, out_len, body, sizeof(body),
			  &r);
	if (v != PORTIER_SVC_DONE)
		return v;
	return es_judge(c, &r, s);
}

static const uint16_t es_ports[] = {9200, 0};

const struct portier_svc_proto portier_svc_elasticsearch = {
	.name = "elasticsearch",
	.ports = es_ports,
	.rarity = 5,
	.server_first = false,
	.step = es_step,
};
