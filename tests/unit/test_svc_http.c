/*
 * test_svc_http.c - the HTTP response reader the modules share
 * (src/svc/http_resp.c) and the elasticsearch and docker modules over
 * replies written after the Elasticsearch 8 and Docker Engine API
 * documentation (neither server is installed here), split at every byte,
 * cut short and made hostile.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "svc/svc_int.h"
#include "svc_test_util.h"

static const char es_body[] =
	"{\n"
	"  \"name\" : \"es01\",\n"
	"  \"cluster_name\" : \"docker-cluster\",\n"
	"  \"cluster_uuid\" : \"k0bJ7p7hTFqOcB4y8h8Vbg\",\n"
	"  \"version\" : {\n"
	"    \"number\" : \"8.11.1\",\n"
	"    \"build_flavor\" : \"default\",\n"
	"    \"build_type\" : \"docker\",\n"
	"    \"build_hash\" : \"6f9ff581fbcde658e6f69d6ce03050f060d1fd0c\",\n"
	"    \"build_date\" : \"2023-11-11T10:05:59.421038163Z\",\n"
	"    \"build_snapshot\" : false,\n"
	"    \"lucene_version\" : \"9.8.0\",\n"
	"    \"minimum_wire_compatibility_version\" : \"7.17.0\",\n"
	"    \"minimum_index_compatibility_version\" : \"7.0.0\"\n"
	"  },\n"
	"  \"tagline\" : \"You Know, for Search\"\n"
	"}\n";

static const char docker_body[] =
	"{\"Platform\":{\"Name\":\"Docker Engine - Community\"},"
	"\"Components\":[{\"Name\":\"Engine\",\"Version\":\"24.0.7\","
	"\"Details\":{\"ApiVersion\":\"1.43\",\"Arch\":\"amd64\","
	"\"BuildTime\":\"2023-10-26T09:07:41.000000000+00:00\","
	"\"Experimental\":\"false\",\"GitCommit\":\"311b9ff\","
	"\"GoVersion\":\"go1.20.10\",\"KernelVersion\":\"6.1.0-13-amd64\","
	"\"MinAPIVersion\":\"1.12\",\"Os\":\"linux\"}}],"
	"\"Version\":\"24.0.7\",\"ApiVersion\":\"1.43\","
	"\"MinAPIVersion\":\"1.12\",\"GitCommit\":\"311b9ff\","
	"\"GoVersion\":\"go1.20.10\",\"Os\":\"linux\",\"Arch\":\"amd64\","
	"\"KernelVersion\":\"6.1.0-13-amd64\","
	"\"BuildTime\":\"2023-10-26T09:07:41.000000000+00:00\"}\n";

static char reply[8192];

/* A response with head (CR LF ended lines) and body, Content-Length set. */
static const char *with_length(const char *head, const char *body)
{
	snprintf(reply, sizeof(reply), "%sContent-Length: %zu\r\n\r\n%s", head,
		 strlen(body), body);
	return reply;
}

static void test_parse(void **state)
{
	uint8_t buf[64];
	struct svc_http_resp r;
	const uint8_t *v;
	size_t vl;
	static const char chunked[] = "HTTP/1.1 200 OK\r\n"
				      "Transfer-Encoding: chunked\r\n\r\n"
				      "5\r\nhello\r\n"
				      "7;ext=1\r\n, world\r\n"
				      "0\r\n\r\n";
	static const char *const bad[] = {
		"HTTP/2 200\r\n\r\n",
		"HTTP/1.1 20 OK\r\n\r\n",
		"HTTP/1.1 2000 OK\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 12x\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 99999999999\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		"2\r\nabXY",
		"SSH-2.0-x\r\n",
	};
	size_t i;

	(void)state;
	assert_int_equal(svc_http_parse((const uint8_t *)chunked,
					strlen(chunked), false, buf,
					sizeof(buf), &r),
			 SVC_HTTP_COMPLETE);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.minor, 1);
	assert_int_equal(r.body_len, 12);
	assert_memory_equal(r.body, "hello, world", 12);
	assert_true(svc_http_header(&r, "transfer-encoding", &v, &vl));
	assert_int_equal(vl, 7);
	assert_false(svc_http_header(&r, "Server", &v, &vl));
	/* the chunks cut at the buffer */
	assert_int_equal(svc_http_parse((const uint8_t *)chunked,
					strlen(chunked), false, buf, 8, &r),
			 SVC_HTTP_PARTIAL);
	assert_int_equal(r.body_len, 8);
	/* every prefix before the last chunk ("0" CR LF, the trailer
	 * not needed): MORE, never a result */
	for (i = 0; i + 2 < strlen(chunked); i++)
		assert_int_equal(svc_http_parse((const uint8_t *)chunked, i,
						false, buf, sizeof(buf), &r),
				 SVC_HTTP_MORE);
	/* a body without a length ends with the connection */
	assert_int_equal(svc_http_parse((const uint8_t *)"HTTP/1.0 200 OK\r\n"
							 "\r\nabc",
					22, false, buf, sizeof(buf), &r),
			 SVC_HTTP_MORE);
	assert_int_equal(svc_http_parse((const uint8_t *)"HTTP/1.0 200 OK\r\n"
							 "\r\nabc",
					22, true, buf, sizeof(buf), &r),
			 SVC_HTTP_COMPLETE);
	assert_int_equal(r.body_len, 3);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enum svc_http_state st =
			svc_http_parse((const uint8_t *)bad[i], strlen(bad[i]),
				       true, buf, sizeof(buf), &r);

		assert_true(st == SVC_HTTP_NOT || st == SVC_HTTP_PARTIAL);
		if (i != 6)
			assert_int_equal(st, SVC_HTTP_NOT);
	}
}

static void test_request(void **state)
{
	struct portier_svc_conv c = {.host = "", .port = 9200};
	uint8_t out[256];
	size_t ol = 0;

	(void)state;
	c.host = "2001:db8::5";
	assert_int_equal(svc_http_get(&c, "/", out, sizeof(out), &ol),
			 PORTIER_SVC_SEND);
	assert_memory_equal(
		out, "GET / HTTP/1.0\r\nHost: [2001:db8::5]:9200\r\n", 41);
	c.host = "evil\r\nX: y";
	assert_int_equal(svc_http_get(&c, "/", out, sizeof(out), &ol),
			 PORTIER_SVC_NOT);
	c.host = "db.example.org";
	assert_int_equal(svc_http_get(&c, "/", out, 20, &ol), PORTIER_SVC_NOT);
}

static void test_es_open(void **state)
{
	struct svc_script sc = {0};
	struct svc_run r;
	const struct portier_svc_finding *f;

	(void)state;
	svc_script_text(&sc, with_length("HTTP/1.1 200 OK\r\n"
					 "X-elastic-product: Elasticsearch\r\n"
					 "content-type: application/json\r\n",
					 es_body));
	svc_check(&portier_svc_elasticsearch, 9200, &sc, &r);
	assert_int_equal(r.v, PORTIER_SVC_DONE);
	assert_true(strncmp(r.sent,
			    "GET / HTTP/1.0\r\nHost: 127.0.0.1:9200\r\n",
			    38) == 0);
	assert_string_equal(r.s.name, "http");
	assert_string_equal(r.s.product, "Elasticsearch REST API");
	assert_string_equal(r.s.version, "8.11.1");
	assert_string_equal(r.s.extrainfo, "cluster: docker-cluster; Lucene "
					   "9.8.0");
	assert_string_equal(r.s.match_text,
			    "elasticsearch version:8.11.1 lucene:9.8.0");
	f = svc_finding(&r.s, "elasticsearch-no-auth");
	assert_non_null(f);
	assert_int_equal(f->f.risk, PORTIER_RISK_HIGH);
}

static void test_es_secured(void **state)
{
	struct svc_script sc = {0};
	struct svc_run r;

	(void)state;
	svc_script_text(
		&sc,
		with_length("HTTP/1.1 401 Unauthorized\r\n"
			    "WWW-Authenticate: Basic realm=\"security\" "
			    "charset=\"UTF-8\"\r\n"
			    "WWW-Authenticate: ApiKey\r\n"
			    "content-type: application/json\r\n",
			    "{\"error\":{\"root_cause\":[{\"type\":\"security_"
			    "exception\",\"reason\":\"missing authentication "
			    "credentials for REST request [/]\"}],\"type\":"
			    "\"security_exception\"},\"status\":401}"));
	svc_check(&portier_svc_elasticsearch, 9200, &sc, &r);
	assert_int_equal(r.v, PORTIER_SVC_DONE);
	assert_string_equal(r.s.product, "Elasticsearch REST API");
	assert_string_equal(r.s.version, "");
	assert_int_equal(r.s.n_findings, 0);

	/* some other web server's 401 or 200 is not elasticsearch */
	memset(&sc, 0, sizeof(sc));
	svc_script_text(&sc, with_length("HTTP/1.1 401 Unauthorized\r\n"
					 "WWW-Authenticate: Basic "
					 "realm=\"admin\"\r\n",
					 "no"));
	svc_check(&portier_svc_elasticsearch, 9200, &sc, &r);
	assert_int_equal(r.v, PORTIER_SVC_NOT);
	memset(&sc, 0, sizeof(sc));
	svc_script_text(&sc, with_length("HTTP/1.1 200 OK\r\n",
					 "{\"cluster_name\":\"x\",\"version\":"
					 "{\"number\":\"1\"},\"tagline\":"
					 "\"other\"}"));
	svc_check(&portier_svc_elasticsearch, 9200, &sc, &r);
	assert_int_equal(r.v, PORTIER_SVC_NOT);
}

static void test_docker(void **state)
{
	struct svc_script sc = {0};
	struct svc_run r;
	const struct portier_svc_finding *f;

	(void)state;
	svc_script_text(&sc,
			with_length("HTTP/1.1 200 OK\r\n"
				    "Api-Version: 1.43\r\n"
				    "Content-Type: application/json\r\n"
				    "Docker-Experimental: false\r\n"
				    "Ostype: linux\r\n"
				    "Server: Docker/24.0.7 (linux)\r\n"
				    "Date: Fri, 04 Dec 2026 16:40:00 GMT\r\n",
				    docker_body));
	svc_check(&portier_svc_docker, 2375, &sc, &r);
	assert_int_equal(r.v, PORTIER_SVC_DONE);
	assert_true(strncmp(r.sent, "GET /version HTTP/1.0\r\n", 23) == 0);
	assert_string_equal(r.s.name, "docker");
	assert_string_equal(r.s.product, "Docker");
	assert_string_equal(r.s.version, "24.0.7");
	assert_string_equal(r.s.extrainfo, "API 1.43; linux/amd64");
	assert_string_equal(r.s.ostype, "Linux");
	assert_string_equal(r.s.match_text,
			    "Version:24.0.7 ApiVersion:1.43 Os:linux");
	f = svc_finding(&r.s, "docker-api-no-auth");
	assert_non_null(f);
	assert_int_equal(f->f.risk, PORTIER_RISK_HIGH);
}

/* The same answer chunked, as an HTTP/1.1 server may send it. */
static void test_docker_chunked(void **state)
{
	struct svc_script sc = {0};
	struct svc_run r;
	size_t half = strlen(docker_body) / 2;

	(void)state;
	snprintf(reply, sizeof(reply),
		 "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		 "%zx\r\n%.*s\r\n%zx\r\n%s\r\n0\r\n\r\n",
		 half, (int)half, docker_body, strlen(docker_body) - half,
		 docker_body + half);
	svc_script_text(&sc, reply);
	svc_check(&portier_svc_docker, 2375, &sc, &r);
	assert_int_equal(r.v, PORTIER_SVC_DONE);
	assert_string_equal(r.s.version, "24.0.7");

	/* JSON that is not the version document */
	memset(&sc, 0, sizeof(sc));
	svc_script_text(&sc,
			with_length("HTTP/1.1 200 OK\r\n",
				    "{\"Version\":24,\"ApiVersion\":\"1\"}"));
	svc_check(&portier_svc_docker, 2375, &sc, &r);
	assert_int_equal(r.v, PORTIER_SVC_NOT);
	memset(&sc, 0, sizeof(sc));
	svc_script_text(&sc, with_length("HTTP/1.1 404 Not Found\r\n",
					 "{\"message\":\"page not found\"}"));
	svc_check(&portier_svc_docker, 2375, &sc, &r);
	assert_int_equal(r.v, PORTIER_SVC_NOT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_request),
		cmocka_unit_test(test_es_open),
		cmocka_unit_test(test_es_secured),
		cmocka_unit_test(test_docker),
		cmocka_unit_test(test_docker_chunked),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
