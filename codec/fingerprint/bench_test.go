// bench_test.go holds the benchmarks of Of and Normalize on a pgbench statement and a 1 KB ORM statement.

package fingerprint

import "testing"

const pgbenchStmt = "UPDATE pgbench_accounts SET abalance = abalance + -3241 WHERE aid = 83726;"

// ormStmt is a Django-style statement of about 1 KB.
const ormStmt = `SELECT "shop_order"."id", "shop_order"."created_at", "shop_order"."updated_at", "shop_order"."customer_id", ` +
	`"shop_order"."status", "shop_order"."total_amount", "shop_order"."currency", "shop_order"."shipping_address_id", ` +
	`"shop_order"."billing_address_id", "shop_order"."notes", "shop_customer"."id", "shop_customer"."email", ` +
	`"shop_customer"."first_name", "shop_customer"."last_name", "shop_customer"."is_active", "shop_customer"."date_joined" ` +
	`FROM "shop_order" INNER JOIN "shop_customer" ON ("shop_order"."customer_id" = "shop_customer"."id") ` +
	`WHERE ("shop_order"."status" IN ('paid', 'shipped', 'delivered') AND "shop_order"."created_at" >= '2024-01-01T00:00:00+00:00'::timestamptz ` +
	`AND "shop_order"."created_at" < '2024-02-01T00:00:00+00:00'::timestamptz AND "shop_customer"."is_active" = true ` +
	`AND "shop_order"."total_amount" > -10.50 AND ("shop_order"."metadata" ->> 'channel') = 'web' ` +
	`AND "shop_order"."customer_id" IN (101, 202, 303, 404, 505, 606, 707, 808, 909, 1001, 1102, 1203)) ` +
	`ORDER BY "shop_order"."created_at" DESC, "shop_order"."id" DESC LIMIT 50 OFFSET 100 /* page 3 */`

func benchOf(b *testing.B, s string) {
	sql := []byte(s)
	b.SetBytes(int64(len(sql)))
	b.ReportAllocs()
	var sink uint64
	for b.Loop() {
		sink ^= Of(sql)
	}
	_ = sink
}

func benchNormalize(b *testing.B, s string) {
	sql := []byte(s)
	buf := make([]byte, 0, 2*len(sql))
	b.SetBytes(int64(len(sql)))
	b.ReportAllocs()
	for b.Loop() {
		buf = Normalize(buf[:0], sql)
	}
}

func BenchmarkOf(b *testing.B) {
	b.Run("pgbench", func(b *testing.B) { benchOf(b, pgbenchStmt) })
	b.Run("orm1k", func(b *testing.B) { benchOf(b, ormStmt) })
}

func BenchmarkNormalize(b *testing.B) {
	b.Run("pgbench", func(b *testing.B) { benchNormalize(b, pgbenchStmt) })
	b.Run("orm1k", func(b *testing.B) { benchNormalize(b, ormStmt) })
}
