/* The route table is the single source of who may call what: every route × role gets the answer
 * the table implies from the rule dispatch applies (server/access.c), and README's API table says
 * the same roles as the table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "access.h"
#include "auth_user.h"
#include "router.h"
#include "routes.h"

#ifndef PAIDAN_SOURCE_DIR
#error "PAIDAN_SOURCE_DIR must name the source tree (CMake sets it)"
#endif

static const enum user_role account_roles[] = {ROLE_ADMIN, ROLE_COMMUNITY, ROLE_DEPARTMENT, ROLE_TEAM, ROLE_VOLUNTEER};
#define NROLES (sizeof account_roles / sizeof account_roles[0])

static void
every_route_refuses_exactly_the_roles_it_does_not_name(void **state)
{
	size_t count;
	const struct route *routes = routes_table(&count);

	(void)state;
	for (size_t i = 0; i < count; i++) {
		const struct route *route = &routes[i];
		bool public_route = route->roles == ROUTE_PUBLIC || (route->roles & ACCESS_SESSION_OPTIONAL);

		/* No session: public routes run, the rest are 401. */
		assert_int_equal(
		    access_decide(route->roles, NULL, true), public_route ? ACCESS_ALLOWED : ACCESS_UNAUTHENTICATED);
		for (size_t k = 0; k < NROLES; k++) {
			struct auth_user user = {
			    .authenticated = true, .id = 1, .role = account_roles[k], .scope_id = 1};
			bool named = (route->roles & (1u << account_roles[k])) != 0;
			enum access_result got = access_decide(route->roles, &user, true);

			if (got != (public_route || named ? ACCESS_ALLOWED : ACCESS_FORBIDDEN))
				fail_msg(
				    "%s: role %s got %d", route->pattern, user_role_name(account_roles[k]), (int)got);
			/* A cookie write without its CSRF token never passes a protected route. */
			if (!public_route)
				assert_int_equal(access_decide(route->roles, &user, false), ACCESS_CSRF_FAILED);
		}
	}
}

static void
no_route_is_open_to_a_role_that_cannot_sign_in(void **state)
{
	size_t count;
	const struct route *routes = routes_table(&count);

	(void)state;
	for (size_t i = 0; i < count; i++)
		assert_int_equal(routes[i].roles & ~(unsigned)(ROLES_ANY_USER | ACCESS_SESSION_OPTIONAL), 0);
}

/* ---- README's API table ---- */

static unsigned
method_bit(const char *name)
{
	static const struct {
		const char *name;
		unsigned bit;
	} methods[] = {{"GET", 1u << 0}, {"POST", 1u << 1}, {"HEAD", 1u << 2}, {"PUT", 1u << 3}, {"DELETE", 1u << 4},
	    {"OPTIONS", 1u << 5}, {"TRACE", 1u << 6}, {"CONNECT", 1u << 7}, {"PATCH", 1u << 8}};

	for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
		if (strcmp(methods[i].name, name) == 0)
			return methods[i].bit;
	return 0;
}

/* "admin, team (its own members)" → the mask; words outside the vocabulary fail the test. */
static unsigned
who_mask(const char *who, const char *row)
{
	static const struct {
		const char *word;
		unsigned mask;
	} words[] = {{"anyone", ROUTE_PUBLIC}, {"signed in", ROLES_ANY_USER}, {"staff", ROLES_STAFF},
	    {"admin", 1u << ROLE_ADMIN}, {"community", 1u << ROLE_COMMUNITY}, {"department", 1u << ROLE_DEPARTMENT},
	    {"team", 1u << ROLE_TEAM}, {"volunteer", 1u << ROLE_VOLUNTEER}};
	unsigned mask = 0;
	char text[256];
	char *save = NULL;

	snprintf(text, sizeof text, "%s", who);
	for (char *paren = strchr(text, '('); paren != NULL; paren = strchr(text, '(')) {
		char *close = strchr(paren, ')');
		if (close == NULL)
			fail_msg("README row %s: unclosed '('", row);
		memmove(paren, close + 1, strlen(close + 1) + 1);
	}
	for (char *w = strtok_r(text, ",", &save); w != NULL; w = strtok_r(NULL, ",", &save)) {
		size_t i;
		while (*w == ' ')
			w++;
		for (char *end = w + strlen(w); end > w && end[-1] == ' ';)
			*--end = '\0';
		for (i = 0; i < sizeof words / sizeof words[0]; i++)
			if (strcmp(words[i].word, w) == 0)
				break;
		if (i == sizeof words / sizeof words[0])
			fail_msg(
			    "README row %s: \"%s\" is not a role word (anyone, signed in, staff, admin, community, "
			    "department, team, volunteer)",
			    row, w);
		mask |= words[i].mask;
	}
	return mask;
}

/* "/api/v1/orders/{id}/accept?x=" → "/api/v1/orders/1/accept": a path the router can match. */
static void
sample_path(const char *pattern, char *out, size_t size)
{
	size_t n = 0;

	for (const char *p = pattern; *p && *p != '?' && n + 12 < size;) {
		if (*p == '{') {
			const char *close = strchr(p, '}');
			n += (size_t)snprintf(out + n, size - n, "%s", "1");
			p = close ? close + 1 : p + strlen(p);
		} else {
			out[n++] = *p++;
		}
	}
	out[n] = '\0';
}

static void
readme_names_the_same_roles_as_the_table(void **state)
{
	size_t count, rows = 0;
	const struct route *routes = routes_table(&count);
	bool *documented = calloc(count, sizeof *documented);
	FILE *f = fopen(PAIDAN_SOURCE_DIR "/README.md", "r");
	char line[4096];

	(void)state;
	assert_non_null(f);
	while (fgets(line, sizeof line, f) != NULL) {
		char method[16], path[512], sample[512], who[256];
		struct route_match m;
		const char *cell;

		/* "| `GET /api/v1/orders` | signed in | …" */
		if (sscanf(line, "| `%15[A-Z] %511[^`]` | %255[^|]|", method, path, who) != 3 || path[0] != '/')
			continue;
		rows++;
		cell = who;
		sample_path(path, sample, sizeof sample);
		if (router_match(routes, count, method_bit(method), sample, &m) != ROUTE_FOUND)
			fail_msg("README documents %s %s, which no route serves", method, path);
		/* A route that uses a session when there is one is, at its door, open to anyone. */
		if (who_mask(cell, path) != (m.route->roles & ACCESS_SESSION_OPTIONAL ? ROUTE_PUBLIC : m.route->roles))
			fail_msg("README says %s %s is for \"%s\", the route table says mask %#x", method, path, cell,
			    m.route->roles);
		documented[m.route - routes] = true;
	}
	fclose(f);
	assert_true(rows > 30);
	for (size_t i = 0; i < count; i++)
		if (!documented[i] && routes[i].handler != routes[count - 1].handler)
			fail_msg("route %s is not in README's API table", routes[i].pattern);
	free(documented);
}

/* Every route that changes something is a write; only GET routes may be reads. */
static void
every_route_but_a_get_is_a_write(void **state)
{
	size_t count;
	const struct route *routes = routes_table(&count);

	(void)state;
	for (size_t i = 0; i < count; i++)
		if (routes[i].methods & ~(unsigned)(method_bit("GET") | method_bit("HEAD")))
			if (routes[i].load != ROUTE_WRITE)
				fail_msg("%s takes a method other than GET but is not in the write class",
				    routes[i].pattern);
}

/* README's line "Slow reads: `GET /a`, `GET /b`." names exactly the table's slow reads. */
static void
readme_names_the_slow_reads_of_the_table(void **state)
{
	size_t count, named = 0;
	const struct route *routes = routes_table(&count);
	FILE *f = fopen(PAIDAN_SOURCE_DIR "/README.md", "r");
	char line[4096];
	bool found = false;

	(void)state;
	assert_non_null(f);
	while (!found && fgets(line, sizeof line, f) != NULL) {
		char *p = line;
		if (strncmp(line, "Slow reads: ", 12) != 0)
			continue;
		found = true;
		while ((p = strstr(p, "`GET ")) != NULL) {
			char path[512], sample[512];
			struct route_match m;
			if (sscanf(p, "`GET %511[^`]`", path) != 1)
				fail_msg("README's slow reads: cannot read %.40s", p);
			sample_path(path, sample, sizeof sample);
			if (router_match(routes, count, method_bit("GET"), sample, &m) != ROUTE_FOUND)
				fail_msg("README's slow reads name GET %s, which no route serves", path);
			if (m.route->load != ROUTE_SLOW_READ)
				fail_msg("README's slow reads name GET %s, which the table does not call slow", path);
			named++;
			p += 5;
		}
	}
	fclose(f);
	assert_true(found);
	for (size_t i = 0; i < count; i++)
		if (routes[i].load == ROUTE_SLOW_READ)
			named--;
	if (named != 0)
		fail_msg("README's slow reads and the table's differ in number");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(every_route_refuses_exactly_the_roles_it_does_not_name),
	    cmocka_unit_test(no_route_is_open_to_a_role_that_cannot_sign_in),
	    cmocka_unit_test(readme_names_the_same_roles_as_the_table),
	    cmocka_unit_test(every_route_but_a_get_is_a_write),
	    cmocka_unit_test(readme_names_the_slow_reads_of_the_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
