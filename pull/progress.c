/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "progress.h"

#include <stdio.h>
#include <unistd.h>

#include "pull/digest.h"
#include "runner/lib/cleanup.h"
#include "runner/lib/json.h"
#include "runner/lib/log.h"
#include "runner/lib/util.h"

/* The progress line is redrawn at most this often (s). */
#define PROGRESS_REDRAW_S 0.25

static double ts_s(const struct timespec *ts)
{
	return ts->tv_sec + ts->tv_nsec / 1e9;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts_s(&ts);
}

void progress_init(struct progress *p, bool json, bool line)
{
	*p = (struct progress){.json = json, .line = line};
	clock_gettime(CLOCK_MONOTONIC, &p->t0);
}

static struct json_writer *event_new(const char *event)
{
	struct json_writer *w = json_writer_new(false);
	json_w_begin_object(w);
	json_w_member_string(w, "event", event);
	return w;
}

/* One line per event: a consumer reads stdout line by line. */
static void event_emit(struct json_writer *w)
{
	_cleanup_free_ char *text = NULL;
	size_t len;

	json_w_end_object(w);
	if (json_writer_finish(w, &text, &len) < 0)
		return;
	text[len] = '\n';
	(void)write_all(STDOUT_FILENO, text, len + 1);
}

void progress_manifest(struct progress *p, const char *ref, const char *digest,
		       const char *platform, size_t n_layers, uint64_t total_size)
{
	if (!p)
		return;
	p->n_layers = n_layers;
	p->total_size = total_size;
	if (!p->json)
		return;
	struct json_writer *w = event_new("manifest");
	json_w_member_string(w, "ref", ref);
	json_w_member_string(w, "digest", digest);
	json_w_member_string(w, "platform", platform);
	json_w_member_uint(w, "layers", n_layers);
	json_w_member_uint(w, "size", total_size);
	event_emit(w);
}

void progress_layer_start(struct progress *p, size_t index, const char *digest, uint64_t size)
{
	if (!p)
		return;
	clock_gettime(CLOCK_MONOTONIC, &p->t_layer);
	p->layer_i = index;
	p->layer_digest = digest;
	p->layer_size = size;
	if (!p->json)
		return;
	struct json_writer *w = event_new("layer-start");
	json_w_member_uint(w, "index", index + 1);
	json_w_member_uint(w, "layers", p->n_layers);
	json_w_member_string(w, "digest", digest);
	json_w_member_uint(w, "size", size);
	event_emit(w);
}

static void line_draw(const struct progress *p, uint64_t bytes, double rate, bool final)
{
	char a[32], b[32], r[32], t[32], tt[32];

	format_bytes(bytes, a, sizeof(a));
	format_bytes(p->layer_size, b, sizeof(b));
	format_bytes((uint64_t)rate, r, sizeof(r));
	format_bytes(p->total_done + bytes, t, sizeof(t));
	format_bytes(p->total_size, tt, sizeof(tt));
	fprintf(stderr, "\rlayer %zu/%zu %.12s: %s / %s  %s/s  total %s / %s\033[K%s",
		p->layer_i + 1, p->n_layers, p->layer_digest ? digest_hex(p->layer_digest) : "", a,
		b, r, t, tt, final ? "\n" : "");
}

static void layer_progress(struct progress *p, uint64_t bytes, bool final)
{
	struct timespec ts;
	double dt, rate;

	if (!p || (!p->json && !p->line))
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (!final && ts_s(&ts) - ts_s(&p->t_last) < PROGRESS_REDRAW_S)
		return;
	p->t_last = ts;
	dt = ts_s(&ts) - ts_s(&p->t_layer);
	rate = dt > 0 ? bytes / dt : 0;
	if (p->json) {
		struct json_writer *w = event_new(final ? "layer-done" : "progress");
		json_w_member_uint(w, "index", p->layer_i + 1);
		json_w_member_string(w, "digest", p->layer_digest);
		json_w_member_uint(w, "bytes", bytes);
		json_w_member_uint(w, "size", p->layer_size);
		json_w_member_uint(w, "total_bytes", p->total_done + bytes);
		json_w_member_uint(w, "total_size", p->total_size);
		json_w_member_uint(w, "rate", (uint64_t)rate);
		event_emit(w);
	}
	if (p->line)
		line_draw(p, bytes, rate, final);
}

void progress_layer_bytes(struct progress *p, uint64_t bytes)
{
	layer_progress(p, bytes, false);
}

void progress_layer_done(struct progress *p, uint64_t bytes, bool from_cache)
{
	if (!p)
		return;
	layer_progress(p, bytes, true);
	p->total_done += bytes;
	if (!p->json)
		return;
	struct json_writer *w = event_new("layer-cached");
	json_w_member_string(w, "digest", p->layer_digest);
	json_w_member_bool(w, "from_cache", from_cache);
	event_emit(w);
}

void progress_retry(struct progress *p, const char *url, const char *why, int attempt)
{
	if (p && p->json) {
		struct json_writer *w = event_new("retry");
		json_w_member_string(w, "url", url);
		json_w_member_string(w, "reason", why);
		json_w_member_int(w, "attempt", attempt);
		event_emit(w);
	}
	if (p && p->line)
		fputc('\n', stderr); /* keep the progress line */
	log_warn("%s: %s, retrying (%d)", url, why, attempt);
}

void progress_check(struct progress *p, const char *ref, const char *bundle_digest,
		    const char *registry_digest, bool newer)
{
	if (!p || !p->json)
		return;
	struct json_writer *w = event_new("check");
	json_w_member_string(w, "ref", ref);
	json_w_member_string(w, "bundle_digest", bundle_digest);
	json_w_member_string(w, "registry_digest", registry_digest);
	json_w_member_bool(w, "newer", newer);
	event_emit(w);
}

void progress_done(struct progress *p, const char *bundle, const char *digest)
{
	if (!p || !p->json)
		return;
	struct json_writer *w = event_new("done");
	json_w_member_string(w, "bundle", bundle);
	json_w_member_string(w, "digest", digest);
	json_w_member_uint(w, "bytes", p->total_done);
	json_w_key(w, "seconds");
	json_w_double(w, now_s() - ts_s(&p->t0));
	event_emit(w);
}

void progress_error(struct progress *p, const char *msg)
{
	if (!p || !p->json)
		return;
	struct json_writer *w = event_new("error");
	json_w_member_string(w, "message", msg);
	event_emit(w);
}
