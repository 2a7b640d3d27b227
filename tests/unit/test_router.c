/* Unit tests of server/router.c on a small table of dummy handlers, and of the real route table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "router.h"
#include "routes.h"

#define M_GET 1u
#define M_POST 2u
#define M_DELETE 4u

static void
handler_list(struct request *r)
{
	(void)r;
}

static void
handler_action(struct request *r)
{
	(void)r;
}

static void
handler_suggested(struct request *r)
{
	(void)r;
}

static void
handler_one(struct request *r)
{
	(void)r;
}

static void
handler_shadowed(struct request *r)
{
	(void)r;
}

static void
handler_root(struct request *r)
{
	(void)r;
}

static void
handler_many(struct request *r)
{
	(void)r;
}

static const struct route table[] = {
    {M_GET, "/", handler_root, ROUTE_PUBLIC, ROUTE_BODY_NONE, ROUTE_FAST_READ},
    {M_GET, "/api/v1/orders", handler_list, ROUTE_PUBLIC, ROUTE_BODY_NONE, ROUTE_FAST_READ},
    {M_POST, "/api/v1/orders/{id}/{action}", handler_action, ROUTE_PUBLIC, ROUTE_BODY_NONE, ROUTE_FAST_READ},
    {M_GET, "/api/v1/orders/{id}/suggested-teams", handler_suggested, ROUTE_PUBLIC, ROUTE_BODY_NONE, ROUTE_FAST_READ},
    {M_GET | M_POST, "/api/v1/orders/{id}", handler_one, ROUTE_PUBLIC, ROUTE_BODY_NONE, ROUTE_FAST_READ},
    {M_GET, "/api/v1/orders/{order}", handler_shadowed, ROUTE_PUBLIC, ROUTE_BODY_NONE, ROUTE_FAST_READ},
    {M_GET, "/api/v1/track/{code}", handler_one, ROUTE_PUBLIC, ROUTE_BODY_NONE, ROUTE_FAST_READ},
    {M_GET, "/p/{a}/{b}/{c}/{d}", handler_many, ROUTE_PUBLIC, ROUTE_BODY_NONE, ROUTE_FAST_READ},
    {M_GET, "/q/{a}/{b}/{c}/{d}/{e}", handler_many, ROUTE_PUBLIC, ROUTE_BODY_NONE, ROUTE_FAST_READ},
};
#define COUNT (sizeof table / sizeof table[0])

static void
literal_paths_match_exactly(void **state)
{
	static const char *misses[] = {"/api/v1/orders/", "/api/v1/order", "/api/v1/ordersx", "api/v1/orders", "",
	    "/API/v1/orders", "/api/v1//orders", "//api/v1/orders", "/api/v1/orders/1/accept/x", "/api", "/x"};
	struct route_match m;

	(void)state;
	assert_int_equal(router_match(table, COUNT, M_GET, "/api/v1/orders", &m), ROUTE_FOUND);
	assert_ptr_equal(m.route, &table[1]);
	assert_ptr_equal(m.route->handler, handler_list);
	assert_int_equal(m.nparams, 0);
	for (size_t i = 0; i < sizeof misses / sizeof misses[0]; i++)
		if (router_match(table, COUNT, M_GET, misses[i], &m) != ROUTE_NOT_FOUND)
			fail_msg("\"%s\" was routed", misses[i]);
}

static void
the_root_pattern_matches_only_the_root(void **state)
{
	struct route_match m;

	(void)state;
	assert_int_equal(router_match(table, COUNT, M_GET, "/", &m), ROUTE_FOUND);
	assert_ptr_equal(m.route->handler, handler_root);
	assert_int_equal(m.nparams, 0);
	assert_int_equal(router_match(table, COUNT, M_GET, "//", &m), ROUTE_NOT_FOUND);
	assert_int_equal(router_match(table, COUNT, M_POST, "/", &m), ROUTE_METHOD_NOT_ALLOWED);
}

static void
parameters_are_captured_by_name(void **state)
{
	struct route_match m;

	(void)state;
	assert_int_equal(router_match(table, COUNT, M_POST, "/api/v1/orders/42/accept", &m), ROUTE_FOUND);
	assert_ptr_equal(m.route->handler, handler_action);
	assert_int_equal(m.nparams, 2);
	assert_int_equal(m.name_lens[0], 2);
	assert_memory_equal(m.names[0], "id", 2);
	assert_int_equal(m.name_lens[1], 6);
	assert_memory_equal(m.names[1], "action", 6);
	assert_string_equal(m.values[0], "42");
	assert_string_equal(m.values[1], "accept");
	assert_string_equal(route_param(&m, "id"), "42");
	assert_string_equal(route_param(&m, "action"), "accept");
}

static void
route_param_matches_whole_names_only(void **state)
{
	struct route_match m;

	(void)state;
	assert_int_equal(router_match(table, COUNT, M_POST, "/api/v1/orders/42/accept", &m), ROUTE_FOUND);
	assert_null(route_param(&m, "nope"));
	assert_null(route_param(&m, "i"));
	assert_null(route_param(&m, "idx"));
	assert_null(route_param(&m, "{id}"));
	assert_null(route_param(&m, "id}"));
	assert_null(route_param(&m, ""));
	assert_null(route_param(&m, "ID"));
	assert_int_equal(router_match(table, COUNT, M_GET, "/api/v1/orders", &m), ROUTE_FOUND);
	assert_null(route_param(&m, "id"));
}

static void
parameters_are_passed_on_unvalidated(void **state)
{
	struct route_match m;

	(void)state;
	/* Handlers parse them (parse_id, tracking_code_normalize): the router takes any non-empty segment. */
	assert_int_equal(router_match(table, COUNT, M_GET, "/api/v1/orders/-1", &m), ROUTE_FOUND);
	assert_string_equal(route_param(&m, "id"), "-1");
	assert_int_equal(router_match(table, COUNT, M_GET, "/api/v1/orders/..", &m), ROUTE_FOUND);
	assert_string_equal(route_param(&m, "id"), "..");
	assert_int_equal(router_match(table, COUNT, M_GET, "/api/v1/track/查询码", &m), ROUTE_FOUND);
	assert_string_equal(route_param(&m, "code"), "查询码");
}

static void
an_empty_segment_never_fills_a_parameter(void **state)
{
	struct route_match m;

	(void)state;
	assert_int_equal(router_match(table, COUNT, M_POST, "/api/v1/orders//accept", &m), ROUTE_NOT_FOUND);
	assert_int_equal(router_match(table, COUNT, M_POST, "/api/v1/orders/42/", &m), ROUTE_NOT_FOUND);
	assert_int_equal(router_match(table, COUNT, M_GET, "/api/v1/track/", &m), ROUTE_NOT_FOUND);
}

static void
a_parameter_takes_up_to_route_max_param_len_minus_one_bytes(void **state)
{
	char path[64 + ROUTE_MAX_PARAM_LEN * 2];
	size_t prefix = strlen("/api/v1/track/");
	struct route_match m;

	(void)state;
	memcpy(path, "/api/v1/track/", prefix);
	memset(path + prefix, 'A', ROUTE_MAX_PARAM_LEN - 1);
	path[prefix + ROUTE_MAX_PARAM_LEN - 1] = '\0';
	assert_int_equal(router_match(table, COUNT, M_GET, path, &m), ROUTE_FOUND);
	assert_int_equal(strlen(route_param(&m, "code")), ROUTE_MAX_PARAM_LEN - 1);
	path[prefix + ROUTE_MAX_PARAM_LEN - 1] = 'A';
	path[prefix + ROUTE_MAX_PARAM_LEN] = '\0';
	assert_int_equal(router_match(table, COUNT, M_GET, path, &m), ROUTE_NOT_FOUND);
	memset(path + prefix, '9', ROUTE_MAX_PARAM_LEN * 2 - 1);
	path[prefix + ROUTE_MAX_PARAM_LEN * 2 - 1] = '\0';
	assert_int_equal(router_match(table, COUNT, M_GET, path, &m), ROUTE_NOT_FOUND);
}

static void
up_to_route_max_params_are_captured_and_a_pattern_with_more_never_matches(void **state)
{
	struct route_match m;

	(void)state;
	assert_int_equal(ROUTE_MAX_PARAMS, 4);
	assert_int_equal(router_match(table, COUNT, M_GET, "/p/1/2/3/4", &m), ROUTE_FOUND);
	assert_int_equal(m.nparams, 4);
	assert_string_equal(route_param(&m, "a"), "1");
	assert_string_equal(route_param(&m, "d"), "4");
	assert_int_equal(router_match(table, COUNT, M_GET, "/q/1/2/3/4/5", &m), ROUTE_NOT_FOUND);
}

static void
methods_are_a_bitmask(void **state)
{
	struct route_match m;

	(void)state;
	assert_int_equal(router_match(table, COUNT, M_GET, "/api/v1/orders/7", &m), ROUTE_FOUND);
	assert_ptr_equal(m.route->handler, handler_one);
	assert_int_equal(router_match(table, COUNT, M_POST, "/api/v1/orders/7", &m), ROUTE_FOUND);
	assert_ptr_equal(m.route->handler, handler_one);
	assert_int_equal(router_match(table, COUNT, M_DELETE, "/api/v1/orders/7", &m), ROUTE_METHOD_NOT_ALLOWED);
	assert_int_equal(router_match(table, COUNT, 0, "/api/v1/orders/7", &m), ROUTE_METHOD_NOT_ALLOWED);
}

static void
the_first_matching_route_wins(void **state)
{
	struct route_match m;

	(void)state;
	/* "/api/v1/orders/{order}" is never reached: "{id}" comes first and takes GET. */
	assert_int_equal(router_match(table, COUNT, M_GET, "/api/v1/orders/7", &m), ROUTE_FOUND);
	assert_ptr_equal(m.route, &table[4]);
	assert_string_equal(route_param(&m, "id"), "7");
	assert_null(route_param(&m, "order"));
}

static void
a_known_path_with_another_method_is_405_not_404(void **state)
{
	struct route_match m;

	(void)state;
	assert_int_equal(router_match(table, COUNT, M_DELETE, "/api/v1/orders", &m), ROUTE_METHOD_NOT_ALLOWED);
	assert_int_equal(router_match(table, COUNT, M_POST, "/api/v1/orders", &m), ROUTE_METHOD_NOT_ALLOWED);
	assert_int_equal(router_match(table, COUNT, M_DELETE, "/api/v1/orders/1/claim", &m), ROUTE_METHOD_NOT_ALLOWED);
	assert_int_equal(router_match(table, COUNT, M_DELETE, "/nowhere", &m), ROUTE_NOT_FOUND);
}

static void
a_later_route_may_take_the_method_an_earlier_matching_one_does_not(void **state)
{
	struct route_match m;

	(void)state;
	/* "{id}/{action}" matches first but only takes POST; "{id}/suggested-teams" takes GET. */
	assert_int_equal(router_match(table, COUNT, M_GET, "/api/v1/orders/1/suggested-teams", &m), ROUTE_FOUND);
	assert_ptr_equal(m.route->handler, handler_suggested);
	assert_int_equal(m.nparams, 1);
	assert_string_equal(route_param(&m, "id"), "1");
	/* And POST to the same path is the action route, with "suggested-teams" as the action. */
	assert_int_equal(router_match(table, COUNT, M_POST, "/api/v1/orders/1/suggested-teams", &m), ROUTE_FOUND);
	assert_ptr_equal(m.route->handler, handler_action);
	assert_string_equal(route_param(&m, "action"), "suggested-teams");
}

static void
an_empty_table_finds_nothing(void **state)
{
	struct route_match m;

	(void)state;
	assert_int_equal(router_match(table, 0, M_GET, "/", &m), ROUTE_NOT_FOUND);
}

static void
the_real_table_routes_the_contract(void **state)
{
	size_t count;
	const struct route *routes = routes_table(&count);
	struct route_match m;

	(void)state;
	assert_true(count > 10);
	assert_int_equal(router_match(routes, count, 1u << 0, "/api/v1/catalog", &m), ROUTE_FOUND);
	assert_int_equal(router_match(routes, count, 1u << 1, "/api/v1/orders", &m), ROUTE_FOUND);
	assert_int_equal(router_match(routes, count, 1u << 1, "/api/v1/orders/7/dispatch", &m), ROUTE_FOUND);
	assert_string_equal(route_param(&m, "action"), "dispatch");
	assert_string_equal(route_param(&m, "id"), "7");
	assert_int_equal(router_match(routes, count, 1u << 1, "/api/v1/track/ABCDEFGHJK/cancel", &m), ROUTE_FOUND);
	assert_string_equal(route_param(&m, "code"), "ABCDEFGHJK");
	assert_int_equal(router_match(routes, count, 1u << 4, "/api/v1/catalog", &m), ROUTE_METHOD_NOT_ALLOWED);
	assert_int_equal(router_match(routes, count, 1u << 0, "/api/v1/nope", &m), ROUTE_NOT_FOUND);
	/* Every route has a handler, a pattern starting with '/' and at least one method. */
	for (size_t i = 0; i < count; i++) {
		assert_non_null(routes[i].handler);
		assert_non_null(routes[i].pattern);
		assert_int_equal(routes[i].pattern[0], '/');
		assert_true(routes[i].methods != 0);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(literal_paths_match_exactly),
	    cmocka_unit_test(the_root_pattern_matches_only_the_root),
	    cmocka_unit_test(parameters_are_captured_by_name),
	    cmocka_unit_test(route_param_matches_whole_names_only),
	    cmocka_unit_test(parameters_are_passed_on_unvalidated),
	    cmocka_unit_test(an_empty_segment_never_fills_a_parameter),
	    cmocka_unit_test(a_parameter_takes_up_to_route_max_param_len_minus_one_bytes),
	    cmocka_unit_test(up_to_route_max_params_are_captured_and_a_pattern_with_more_never_matches),
	    cmocka_unit_test(methods_are_a_bitmask),
	    cmocka_unit_test(the_first_matching_route_wins),
	    cmocka_unit_test(a_known_path_with_another_method_is_405_not_404),
	    cmocka_unit_test(a_later_route_may_take_the_method_an_earlier_matching_one_does_not),
	    cmocka_unit_test(an_empty_table_finds_nothing),
	    cmocka_unit_test(the_real_table_routes_the_contract),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
