/* Unit tests of server/router.c and the real route table. */
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

static void handler_a(struct request *r) { (void)r; }
static void handler_b(struct request *r) { (void)r; }
static void handler_c(struct request *r) { (void)r; }

static const struct route table[] = {
	{M_GET, "/api/v1/orders", handler_a},
	{M_POST, "/api/v1/orders/{id}/{action}", handler_b},
	{M_GET, "/api/v1/orders/{id}/suggested-teams", handler_c},
	{M_GET | M_POST, "/api/v1/orders/{id}", handler_a},
};
#define COUNT (sizeof table / sizeof table[0])

static void
literal_paths_match_exactly(void **state)
{
	struct route_match m;

	(void)state;
	assert_int_equal(router_match(table, COUNT, M_GET, "/api/v1/orders", &m), ROUTE_FOUND);
	assert_ptr_equal(m.route->handler, handler_a);
	assert_int_equal(m.nparams, 0);
	assert_int_equal(router_match(table, COUNT, M_GET, "/api/v1/orders/", &m), ROUTE_NOT_FOUND);
	assert_int_equal(router_match(table, COUNT, M_GET, "/api/v1/order", &m), ROUTE_NOT_FOUND);
	assert_int_equal(router_match(table, COUNT, M_GET, "/api/v1/ordersx", &m), ROUTE_NOT_FOUND);
	assert_int_equal(router_match(table, COUNT, M_GET, "api/v1/orders", &m), ROUTE_NOT_FOUND);
	assert_int_equal(router_match(table, COUNT, M_GET, "", &m), ROUTE_NOT_FOUND);
}

static void
parameters_are_captured_by_name(void **state)
{
	struct route_match m;

	(void)state;
	assert_int_equal(router_match(table, COUNT, M_POST, "/api/v1/orders/42/accept", &m), ROUTE_FOUND);
	assert_ptr_equal(m.route->handler, handler_b);
	assert_string_equal(route_param(&m, "id"), "42");
	assert_string_equal(route_param(&m, "action"), "accept");
	assert_null(route_param(&m, "nope"));
	assert_null(route_param(&m, "i"));
	/* Parameters are not validated here: handlers parse them (http_path_id). */
	assert_int_equal(router_match(table, COUNT, M_GET, "/api/v1/orders/-1", &m), ROUTE_FOUND);
	assert_string_equal(route_param(&m, "id"), "-1");
}

static void
an_empty_or_overlong_segment_does_not_match(void **state)
{
	struct route_match m;
	char path[400] = "/api/v1/orders/";

	(void)state;
	assert_int_equal(router_match(table, COUNT, M_POST, "/api/v1/orders//accept", &m), ROUTE_NOT_FOUND);
	memset(path + strlen(path), '9', 200);
	assert_int_equal(router_match(table, COUNT, M_GET, path, &m), ROUTE_NOT_FOUND);
}

static void
a_known_path_with_another_method_is_405_not_404(void **state)
{
	struct route_match m;

	(void)state;
	assert_int_equal(router_match(table, COUNT, M_DELETE, "/api/v1/orders", &m), ROUTE_METHOD_NOT_ALLOWED);
	assert_int_equal(router_match(table, COUNT, M_DELETE, "/api/v1/orders/1/claim", &m), ROUTE_METHOD_NOT_ALLOWED);
	/* A later route may take the method the first matching pattern does not. */
	assert_int_equal(router_match(table, COUNT, M_GET, "/api/v1/orders/1/suggested-teams", &m), ROUTE_FOUND);
	assert_ptr_equal(m.route->handler, handler_c);
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
	assert_int_equal(router_match(routes, count, 1u << 1, "/api/v1/track/ABCDEFGHJK/cancel", &m), ROUTE_FOUND);
	assert_string_equal(route_param(&m, "code"), "ABCDEFGHJK");
	assert_int_equal(router_match(routes, count, 1u << 4, "/api/v1/catalog", &m), ROUTE_METHOD_NOT_ALLOWED);
	assert_int_equal(router_match(routes, count, 1u << 0, "/api/v1/nope", &m), ROUTE_NOT_FOUND);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(literal_paths_match_exactly),
		cmocka_unit_test(parameters_are_captured_by_name),
		cmocka_unit_test(an_empty_or_overlong_segment_does_not_match),
		cmocka_unit_test(a_known_path_with_another_method_is_405_not_404),
		cmocka_unit_test(the_real_table_routes_the_contract),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
