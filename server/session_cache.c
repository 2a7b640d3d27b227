/* session_cache: a direct-mapped table (the token hashes are uniformly random, so their first hex
 * digits spread entries evenly); a newer entry simply replaces whatever sat in its slot. */
#include "session_cache.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#define SLOTS 4096 /* a power of two; 4096 signed-in clients active within the TTL per process */

struct slot {
	bool used;
	char session[65];
	int64_t until_ms;
	struct session_cached entry;
	char *csrf, *json;
};

static struct slot slots[SLOTS];
static long ttl = 0;
static uint64_t generation = 0;

uint64_t
session_cache_generation(void)
{
	return generation;
}

void
session_cache_set_ttl_ms(long ttl_ms)
{
	ttl = ttl_ms > 0 ? ttl_ms : 0;
	if (ttl == 0)
		session_cache_forget_all();
}

static struct slot *
slot_of(const char *session)
{
	unsigned index = 0;

	for (int i = 0; i < 6 && session[i]; i++) {
		char c = session[i];
		index = index * 16 + (unsigned)(c >= 'a' ? c - 'a' + 10 : c >= 'A' ? c - 'A' + 10 : c - '0');
	}
	return &slots[index & (SLOTS - 1)];
}

static void
slot_clear(struct slot *s)
{
	free(s->csrf);
	free(s->json);
	memset(s, 0, sizeof *s);
}

bool
session_cache_get(const char *session, int64_t now_ms, struct session_cached *out)
{
	struct slot *s = slot_of(session);

	if (ttl == 0 || !s->used || strcmp(s->session, session) != 0)
		return false;
	if (now_ms >= s->until_ms || s->entry.expires_at * 1000 <= now_ms) {
		slot_clear(s);
		return false;
	}
	*out = s->entry;
	return true;
}

void
session_cache_put(const char *session, int64_t now_ms, uint64_t asked, const struct session_cached *entry)
{
	struct slot *s;

	if (ttl == 0 || asked != generation || strlen(session) >= sizeof s->session)
		return;
	s = slot_of(session);
	slot_clear(s);
	s->used = true;
	memcpy(s->session, session, strlen(session) + 1);
	s->until_ms = now_ms + ttl;
	s->entry = *entry;
	s->csrf = xstrdup(entry->csrf ? entry->csrf : "");
	s->json = xstrdup(entry->json ? entry->json : "{}");
	s->entry.csrf = s->csrf;
	s->entry.json = s->json;
}

void
session_cache_forget_session(const char *session)
{
	struct slot *s = slot_of(session);

	generation++;
	if (s->used && strcmp(s->session, session) == 0)
		slot_clear(s);
}

void
session_cache_forget_user(int64_t user_id)
{
	generation++;
	for (size_t i = 0; i < SLOTS; i++)
		if (slots[i].used && slots[i].entry.user_id == user_id)
			slot_clear(&slots[i]);
}

void
session_cache_forget_all(void)
{
	generation++;
	for (size_t i = 0; i < SLOTS; i++)
		if (slots[i].used)
			slot_clear(&slots[i]);
}

void
session_cache_free(void)
{
	session_cache_forget_all();
}
