# pgbench tpcb-like, simple protocol (literal values), as pgbench sends it

BEGIN;

UPDATE pgbench_accounts SET abalance = abalance + -4209 WHERE aid = 42446;

SELECT abalance FROM pgbench_accounts WHERE aid = 42446;

UPDATE pgbench_tellers SET tbalance = tbalance + -4209 WHERE tid = 3;

UPDATE pgbench_branches SET bbalance = bbalance + -4209 WHERE bid = 1;

INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (3, 1, 42446, -4209, CURRENT_TIMESTAMP);

END;

BEGIN;

UPDATE pgbench_accounts SET abalance = abalance + 991 WHERE aid = 9495;

SELECT abalance FROM pgbench_accounts WHERE aid = 9495;

UPDATE pgbench_tellers SET tbalance = tbalance + 991 WHERE tid = 9;

UPDATE pgbench_branches SET bbalance = bbalance + 991 WHERE bid = 1;

INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (9, 1, 9495, 991, CURRENT_TIMESTAMP);

END;

BEGIN;

UPDATE pgbench_accounts SET abalance = abalance + -4386 WHERE aid = 76388;

SELECT abalance FROM pgbench_accounts WHERE aid = 76388;

UPDATE pgbench_tellers SET tbalance = tbalance + -4386 WHERE tid = 1;

UPDATE pgbench_branches SET bbalance = bbalance + -4386 WHERE bid = 1;

INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (1, 1, 76388, -4386, CURRENT_TIMESTAMP);

END;

BEGIN;

UPDATE pgbench_accounts SET abalance = abalance + -3856 WHERE aid = 11266;

SELECT abalance FROM pgbench_accounts WHERE aid = 11266;

UPDATE pgbench_tellers SET tbalance = tbalance + -3856 WHERE tid = 7;

UPDATE pgbench_branches SET bbalance = bbalance + -3856 WHERE bid = 1;

INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (7, 1, 11266, -3856, CURRENT_TIMESTAMP);

END;

# pgbench tpcb-like, -M extended/prepared (:vars as $n)

UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2

SELECT abalance FROM pgbench_accounts WHERE aid = $1

UPDATE pgbench_tellers SET tbalance = tbalance + $1 WHERE tid = $2

UPDATE pgbench_branches SET bbalance = bbalance + $1 WHERE bid = $2

INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES ($1, $2, $3, $4, CURRENT_TIMESTAMP)

BEGIN

END

# pgbench simple-update and select-only

UPDATE pgbench_accounts SET abalance = abalance + -3514 WHERE aid = 31545;

SELECT abalance FROM pgbench_accounts WHERE aid = 31545;

UPDATE pgbench_accounts SET abalance = abalance + 1955 WHERE aid = 72227;

SELECT abalance FROM pgbench_accounts WHERE aid = 72227;

UPDATE pgbench_accounts SET abalance = abalance + 4264 WHERE aid = 7748;

SELECT abalance FROM pgbench_accounts WHERE aid = 7748;

SELECT abalance FROM pgbench_accounts WHERE aid = $1;

# pgbench init

truncate table pgbench_accounts, pgbench_branches, pgbench_history, pgbench_tellers

insert into pgbench_branches(bid,bbalance) values(1,0)

insert into pgbench_branches(bid,bbalance) values(2,0)

insert into pgbench_tellers(tid,bid,tbalance) values (7,1,0)

vacuum analyze pgbench_branches

alter table pgbench_branches add primary key (bid)

create table pgbench_history(tid int,bid int,aid    int,delta int,mtime timestamp,filler char(22))

create table pgbench_accounts(aid    int not null,bid int,abalance int,filler char(84)) with (fillfactor=100)

# psql -E: \l
SELECT
  d.datname as "Name",
  pg_catalog.pg_get_userbyid(d.datdba) as "Owner",
  pg_catalog.pg_encoding_to_char(d.encoding) as "Encoding",
  CASE d.datlocprovider WHEN 'b' THEN 'builtin' WHEN 'c' THEN 'libc' WHEN 'i' THEN 'icu' END AS "Locale Provider",
  d.datcollate as "Collate",
  d.datctype as "Ctype",
  pg_catalog.array_to_string(d.datacl, E'\n') AS "Access privileges"
FROM pg_catalog.pg_database d
ORDER BY 1;

# psql -E: \dt
SELECT n.nspname as "Schema",
  c.relname as "Name",
  CASE c.relkind WHEN 'r' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'i' THEN 'index' WHEN 'S' THEN 'sequence' WHEN 't' THEN 'TOAST table' WHEN 'f' THEN 'foreign table' WHEN 'p' THEN 'partitioned table' WHEN 'I' THEN 'partitioned index' END as "Type",
  pg_catalog.pg_get_userbyid(c.relowner) as "Owner"
FROM pg_catalog.pg_class c
     LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     LEFT JOIN pg_catalog.pg_am am ON am.oid = c.relam
WHERE c.relkind IN ('r','p','')
      AND n.nspname <> 'pg_catalog'
      AND n.nspname !~ '^pg_toast'
      AND n.nspname <> 'information_schema'
  AND pg_catalog.pg_table_is_visible(c.oid)
ORDER BY 1,2;

# psql -E: \d pgbench_accounts, first query, two table names
SELECT c.oid,
  n.nspname,
  c.relname
FROM pg_catalog.pg_class c
     LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relname OPERATOR(pg_catalog.~) '^(pgbench_accounts)$' COLLATE pg_catalog.default
  AND pg_catalog.pg_table_is_visible(c.oid)
ORDER BY 2, 3;

SELECT c.oid,
  n.nspname,
  c.relname
FROM pg_catalog.pg_class c
     LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relname OPERATOR(pg_catalog.~) '^(users)$' COLLATE pg_catalog.default
  AND pg_catalog.pg_table_is_visible(c.oid)
ORDER BY 2, 3;

# psql -E: \d, column query for two oids
SELECT a.attname,
  pg_catalog.format_type(a.atttypid, a.atttypmod),
  (SELECT pg_catalog.pg_get_expr(d.adbin, d.adrelid, true)
   FROM pg_catalog.pg_attrdef d
   WHERE d.adrelid = a.attrelid AND d.adnum = a.attnum AND a.atthasdef),
  a.attnotnull,
  (SELECT c.collname FROM pg_catalog.pg_collation c, pg_catalog.pg_type t
   WHERE c.oid = a.attcollation AND t.oid = a.atttypid AND a.attcollation <> t.typcollation) AS attcollation,
  a.attidentity,
  a.attgenerated
FROM pg_catalog.pg_attribute a
WHERE a.attrelid = '16398' AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum;

SELECT a.attname,
  pg_catalog.format_type(a.atttypid, a.atttypmod),
  (SELECT pg_catalog.pg_get_expr(d.adbin, d.adrelid, true)
   FROM pg_catalog.pg_attrdef d
   WHERE d.adrelid = a.attrelid AND d.adnum = a.attnum AND a.atthasdef),
  a.attnotnull,
  (SELECT c.collname FROM pg_catalog.pg_collation c, pg_catalog.pg_type t
   WHERE c.oid = a.attcollation AND t.oid = a.atttypid AND a.attcollation <> t.typcollation) AS attcollation,
  a.attidentity,
  a.attgenerated
FROM pg_catalog.pg_attribute a
WHERE a.attrelid = '24577' AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum;

# psql -E: \d, table info
SELECT c.relchecks, c.relkind, c.relhasindex, c.relhasrules, c.relhastriggers, c.relrowsecurity, c.relforcerowsecurity, false AS relhasoids, c.relispartition, '', c.reltablespace, CASE WHEN c.reloftype = 0 THEN '' ELSE c.reloftype::pg_catalog.regtype::pg_catalog.text END, c.relpersistence, c.relreplident, am.amname
FROM pg_catalog.pg_class c
 LEFT JOIN pg_catalog.pg_class tc ON (c.reltoastrelid = tc.oid)
LEFT JOIN pg_catalog.pg_am am ON (c.relam = am.oid)
WHERE c.oid = '16398';

SELECT c.relchecks, c.relkind, c.relhasindex, c.relhasrules, c.relhastriggers, c.relrowsecurity, c.relforcerowsecurity, false AS relhasoids, c.relispartition, '', c.reltablespace, CASE WHEN c.reloftype = 0 THEN '' ELSE c.reloftype::pg_catalog.regtype::pg_catalog.text END, c.relpersistence, c.relreplident, am.amname
FROM pg_catalog.pg_class c
 LEFT JOIN pg_catalog.pg_class tc ON (c.reltoastrelid = tc.oid)
LEFT JOIN pg_catalog.pg_am am ON (c.relam = am.oid)
WHERE c.oid = '24577';

# psql -E: \d, indexes
SELECT c2.relname, i.indisprimary, i.indisunique, i.indisclustered, i.indisvalid, pg_catalog.pg_get_indexdef(i.indexrelid, 0, true),
  pg_catalog.pg_get_constraintdef(con.oid, true), contype, condeferrable, condeferred, i.indisreplident, c2.reltablespace
FROM pg_catalog.pg_class c, pg_catalog.pg_class c2, pg_catalog.pg_index i
  LEFT JOIN pg_catalog.pg_constraint con ON (conrelid = i.indrelid AND conindid = i.indexrelid AND contype IN ('p','u','x'))
WHERE c.oid = '16398' AND c.oid = i.indrelid AND i.indexrelid = c2.oid
ORDER BY i.indisprimary DESC, c2.relname;

# psql -E: \dn, \du
SELECT n.nspname AS "Name",
  pg_catalog.pg_get_userbyid(n.nspowner) AS "Owner"
FROM pg_catalog.pg_namespace n
WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
ORDER BY 1;

SELECT r.rolname, r.rolsuper, r.rolinherit,
  r.rolcreaterole, r.rolcreatedb, r.rolcanlogin,
  r.rolconnlimit, r.rolvaliduntil, r.rolreplication,
  r.rolbypassrls
FROM pg_catalog.pg_roles r
WHERE r.rolname !~ '^pg_'
ORDER BY 1;

# Django: case, whitespace and literal variants
SELECT "auth_user"."id", "auth_user"."password", "auth_user"."last_login", "auth_user"."is_superuser", "auth_user"."username", "auth_user"."email" FROM "auth_user" WHERE "auth_user"."id" = 42 LIMIT 21

SELECT "auth_user"."id", "auth_user"."password", "auth_user"."last_login", "auth_user"."is_superuser", "auth_user"."username", "auth_user"."email" FROM "auth_user" WHERE "auth_user"."id" = 7 LIMIT 21

select "auth_user"."id", "auth_user"."password", "auth_user"."last_login", "auth_user"."is_superuser", "auth_user"."username", "auth_user"."email"
  from "auth_user"
 where "auth_user"."id"=$1
 limit $2

SELECT "auth_user"."id" FROM "auth_user" WHERE "auth_user"."username" = 'alice' LIMIT 21

SELECT "auth_user"."id" FROM "auth_user" WHERE "auth_user"."username" = 'o''brien' LIMIT 21

SELECT "auth_user"."id" FROM "auth_user" WHERE "auth_user"."username" = E'o\'brien' LIMIT 21

SELECT "auth_user"."id" FROM "auth_user" WHERE "auth_user"."username" = $$bob$$ LIMIT 21

SELECT "auth_user"."id" FROM "auth_user" WHERE "auth_user"."username" = $tag$bob's$tag$ LIMIT 21

SELECT "auth_user"."id" FROM "auth_user" WHERE "auth_user"."username" = 'carol' /* django */ LIMIT 21 -- trailing

SELECT "auth_user"."id" FROM "Auth_User" WHERE "auth_user"."username" = 'carol' LIMIT 21

SELECT "blog_post"."id", "blog_post"."title" FROM "blog_post" WHERE "blog_post"."author_id" IN (1, 2, 3) ORDER BY "blog_post"."created" DESC

SELECT "blog_post"."id", "blog_post"."title" FROM "blog_post" WHERE "blog_post"."author_id" IN (4) ORDER BY "blog_post"."created" DESC

SELECT "blog_post"."id", "blog_post"."title" FROM "blog_post" WHERE "blog_post"."author_id" IN (5, 6, 7, 8, 9, 10, 11) ORDER BY "blog_post"."created" DESC

SELECT "blog_post"."id", "blog_post"."title" FROM "blog_post" WHERE "blog_post"."author_id" IN ($1, $2) ORDER BY "blog_post"."created" DESC

SELECT "blog_post"."id", "blog_post"."title" FROM "blog_post" WHERE "blog_post"."author_id" = ANY($1) ORDER BY "blog_post"."created" DESC

SELECT "blog_post"."id", "blog_post"."title" FROM "blog_post" WHERE "blog_post"."author_id" = 12 ORDER BY "blog_post"."created" DESC

SELECT "blog_post"."id", "blog_post"."title" FROM "blog_post" WHERE "blog_post"."author_id" NOT IN (1, 2) ORDER BY "blog_post"."created" DESC

SELECT "blog_post"."id", "blog_post"."title" FROM "blog_post" WHERE "blog_post"."author_id" <> 3 ORDER BY "blog_post"."created" DESC

SELECT "blog_post"."id", "blog_post"."title" FROM "blog_post" WHERE "blog_post"."author_id" IN (SELECT U0."id" FROM "auth_user" U0 WHERE U0."is_active") ORDER BY "blog_post"."created" DESC

SELECT COUNT(*) AS "__count" FROM "blog_post" WHERE ("blog_post"."published" AND "blog_post"."author_id" = 3)

SELECT COUNT(*) AS "__count" FROM "blog_post" WHERE ("blog_post"."published" AND "blog_post"."author_id" = 99)

SELECT (1) AS "a" FROM "blog_post" WHERE "blog_post"."slug" = 'hello-world' LIMIT 1

SELECT (1) AS "a" FROM "blog_post" WHERE "blog_post"."slug" = 'second' LIMIT 1

INSERT INTO "blog_post" ("title", "body", "author_id", "created", "published") VALUES ('Hello', 'body text', 3, '2024-01-02T03:04:05+00:00'::timestamptz, true) RETURNING "blog_post"."id"

INSERT INTO "blog_post" ("title", "body", "author_id", "created", "published") VALUES ('Bye', '', 4, '2024-05-06T00:00:00+00:00'::timestamptz, false) RETURNING "blog_post"."id"

INSERT INTO "blog_post" ("title", "body", "author_id", "created", "published") VALUES ($1, $2, $3, $4, $5) RETURNING "blog_post"."id"

INSERT INTO "blog_post" ("title", "body", "author_id", "created", "published") VALUES ('a', 'b', 1, '2024-01-01'::timestamptz, true), ('c', 'd', 2, '2024-01-02'::timestamptz, false) RETURNING "blog_post"."id"

INSERT INTO "blog_post" ("title", "body", "author_id", "created", "published") VALUES ('a', 'b', 1, '2024-01-01'::timestamptz, true), ('c', 'd', 2, '2024-01-02'::timestamptz, false), ('e', 'f', 3, '2024-01-03'::timestamptz, NULL) RETURNING "blog_post"."id"

UPDATE "blog_post" SET "title" = 'New', "published" = true WHERE "blog_post"."id" = 5

UPDATE "blog_post" SET "title" = 'Other', "published" = false WHERE "blog_post"."id" = 6

DELETE FROM "blog_post" WHERE "blog_post"."id" IN (1, 2, 3)

DELETE FROM "blog_post" WHERE "blog_post"."id" IN (8)

SELECT "blog_post"."id" FROM "blog_post" WHERE "blog_post"."title"::text LIKE '%django%' ORDER BY "blog_post"."id" ASC LIMIT 10 OFFSET 20

SELECT "blog_post"."id" FROM "blog_post" WHERE "blog_post"."title"::text LIKE '%go%' ORDER BY "blog_post"."id" ASC LIMIT 10 OFFSET 0

SELECT "blog_post"."id" FROM "blog_post" WHERE UPPER("blog_post"."title"::text) LIKE UPPER('%Go%') ORDER BY "blog_post"."id" ASC LIMIT 10

SELECT "blog_post"."id" FROM "blog_post" WHERE UPPER("blog_post"."title"::text) LIKE UPPER('%rust%') ORDER BY "blog_post"."id" ASC LIMIT 10

SELECT "events"."id" FROM "events" WHERE "events"."payload" @> '{"kind": "click"}'::jsonb

SELECT "events"."id" FROM "events" WHERE "events"."payload" @> '{"kind": "view", "n": 2}'::jsonb

SELECT "events"."id" FROM "events" WHERE ("events"."payload" ->> 'kind') = 'click'

SELECT "events"."id" FROM "events" WHERE ("events"."payload" ->> 'user') = 'bob'

SELECT "events"."id" FROM "events" WHERE "events"."created" >= '2024-01-01 00:00:00+00:00'::timestamptz AND "events"."created" < '2024-02-01 00:00:00+00:00'::timestamptz

SELECT "events"."id" FROM "events" WHERE "events"."created" >= $1::timestamptz AND "events"."created" < $2::timestamptz

SELECT "events"."id" FROM "events" WHERE "events"."created" >= $1 AND "events"."created" < $2

SELECT "events"."id" FROM "events" WHERE "events"."created" BETWEEN '2024-01-01' AND '2024-12-31'

SELECT "events"."id" FROM "events" WHERE "events"."created" BETWEEN $1 AND $2

SELECT "events"."id" FROM "events" WHERE "events"."score" > -1

SELECT "events"."id" FROM "events" WHERE "events"."score" > 1

SELECT "events"."id" FROM "events" WHERE "events"."score" > -2.5e3

SELECT "events"."id" FROM "events" WHERE "events"."score" > '1'::int

SELECT "events"."id" FROM "events" WHERE "events"."score" > 1::int

SELECT "events"."id" FROM "events" WHERE "events"."score" > CAST('7' AS integer)

SELECT "events"."id" FROM "events" WHERE "events"."score" > 1::numeric(10, 2)

SELECT "events"."id" FROM "events" WHERE "events"."score" > "events"."base" - 1

SELECT "events"."id" FROM "events" WHERE "events"."score" > "events"."base" - 5

SELECT "events"."id" FROM "events" WHERE "events"."score" > "events"."base" + -5

SELECT "events"."id" FROM "events" WHERE "events"."score" > "events"."base" + 5

SELECT "events"."id" FROM "events" WHERE "events"."day" = date '2024-03-01'

SELECT "events"."id" FROM "events" WHERE "events"."day" = '2024-03-02'

SELECT "events"."id" FROM "events" WHERE "events"."created" > now() - interval '1 day'

SELECT "events"."id" FROM "events" WHERE "events"."created" > now() - interval '7 days'

SELECT "events"."id" FROM "events" WHERE "events"."created" > now() - '1 hour'::interval

SELECT "events"."id" FROM "events" WHERE "events"."tags" && ARRAY['a', 'b']

SELECT "events"."id" FROM "events" WHERE "events"."tags" && ARRAY['c']

SELECT "events"."id" FROM "events" WHERE "events"."tags" && ARRAY['c', 'd', 'e']::text[]

SELECT "events"."id" FROM "events" WHERE "events"."tags" && '{c,d}'::text[]

SELECT "events"."id" FROM "events" WHERE "events"."kind" IS NULL

SELECT "events"."id" FROM "events" WHERE "events"."kind" IS NOT NULL

SELECT "events"."id" FROM "events" WHERE "events"."done" IS TRUE

SELECT "events"."id" FROM "events" WHERE "events"."done" = TRUE

SELECT "events"."id" FROM "events" WHERE "events"."done" = false

# Rails
SELECT "users".* FROM "users" WHERE "users"."email" = $1 LIMIT $2

SELECT "users".* FROM "users" WHERE "users"."email" = 'a@example.com' LIMIT 1

SELECT  "users".* FROM "users"  WHERE "users"."email" = 'b@example.com'  LIMIT 1

SELECT "users".* FROM "users" WHERE "users"."id" IN ($1, $2, $3)

SELECT "users".* FROM "users" WHERE "users"."id" IN ($1, $2, $3, $4, $5, $6)

SELECT 1 AS one FROM "users" WHERE "users"."email" = $1 LIMIT $2

SELECT 1 AS one FROM "users" WHERE "users"."email" = 'x@y.z' LIMIT 1

INSERT INTO "users" ("email", "created_at", "updated_at") VALUES ($1, $2, $3) RETURNING "id"

INSERT INTO "users" ("email", "created_at", "updated_at") VALUES ('c@d.e', '2024-01-01 10:00:00.123456', '2024-01-01 10:00:00.123456') RETURNING "id"

UPDATE "users" SET "sign_in_count" = COALESCE("sign_in_count", 0) + 1 WHERE "users"."id" = $1

UPDATE "users" SET "sign_in_count" = COALESCE("sign_in_count", 0) + 1 WHERE "users"."id" = 77

SELECT "schema_migrations"."version" FROM "schema_migrations" ORDER BY "schema_migrations"."version" ASC

SELECT pg_try_advisory_lock(4219364719278312240)

SELECT pg_try_advisory_lock(1)

SELECT pg_advisory_unlock(4219364719278312240)

# Hibernate

select u1_0.id,u1_0.email,u1_0.name from users u1_0 where u1_0.id=$1

select u1_0.id,u1_0.email,u1_0.name from users u1_0 where u1_0.id=15

select o1_0.id,o1_0.total,o1_0.user_id from orders o1_0 join users u1_0 on u1_0.id=o1_0.user_id where u1_0.email=$1 order by o1_0.id desc offset $2 rows fetch first $3 rows only

select o1_0.id,o1_0.total,o1_0.user_id from orders o1_0 join users u1_0 on u1_0.id=o1_0.user_id where u1_0.email='z@z.z' order by o1_0.id desc offset 0 rows fetch first 20 rows only

insert into orders (total,user_id,id) values ($1,$2,$3)

insert into orders (total,user_id,id) values (12.50,3,1001)

select nextval('orders_seq')

select nextval('users_seq')

# SQLAlchemy

SELECT users.id AS users_id, users.name AS users_name FROM users WHERE users.name = 'ed'

SELECT users.id AS users_id, users.name AS users_name FROM users WHERE users.name = 'wendy'

SELECT users.id AS users_id, users.name AS users_name FROM users AS users_1 WHERE users.name = 'wendy'

SELECT users.id AS users_id, users.name AS users_name FROM users users_2 WHERE users.name = 'wendy'


SELECT addresses.id, addresses.email FROM addresses JOIN users ON users.id = addresses.user_id WHERE users.name = 'jack' ORDER BY addresses.id

INSERT INTO users (name, fullname) VALUES ('spongebob', 'Spongebob Squarepants') RETURNING users.id

INSERT INTO users (name, fullname) VALUES ('sandy', 'Sandy Cheeks'), ('patrick', 'Patrick Star') RETURNING users.id

# upserts
INSERT INTO counters (key, n) VALUES ('a', 1) ON CONFLICT (key) DO UPDATE SET n = counters.n + EXCLUDED.n

INSERT INTO counters (key, n) VALUES ('b', 5) ON CONFLICT (key) DO UPDATE SET n = counters.n + EXCLUDED.n

INSERT INTO counters (key, n) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET n = counters.n + EXCLUDED.n

INSERT INTO counters (key, n) VALUES ('a', 1) ON CONFLICT DO NOTHING

INSERT INTO counters (key, n) VALUES ('zz', 9) on conflict do nothing

# CTEs and window functions
WITH recent AS (SELECT * FROM orders WHERE created > now() - interval '30 days') SELECT user_id, sum(total) FROM recent GROUP BY user_id HAVING sum(total) > 100

WITH recent AS (SELECT * FROM orders WHERE created > now() - interval '7 days') SELECT user_id, sum(total) FROM recent GROUP BY user_id HAVING sum(total) > 5000

with recent as (select * from orders where created > now() - interval '7 days') select user_id, sum(total) from recent group by user_id having sum(total) > 5000

SELECT id, rank() OVER (PARTITION BY user_id ORDER BY total DESC) AS r FROM orders WHERE total > 10

SELECT id, rank() OVER (PARTITION BY user_id ORDER BY total DESC) AS r FROM orders WHERE total > 99.99

SELECT id, lag(total, 1) OVER w FROM orders WINDOW w AS (ORDER BY id)

SELECT id, lag(total, 2) OVER w FROM orders WINDOW w AS (ORDER BY id)

WITH RECURSIVE t(n) AS (VALUES (1) UNION ALL SELECT n+1 FROM t WHERE n < 100) SELECT sum(n) FROM t

WITH RECURSIVE t(n) AS (VALUES (1) UNION ALL SELECT n+1 FROM t WHERE n < 10) SELECT sum(n) FROM t

# misc SELECT forms
select 1

SELECT 2;

select $1

select 'hello'

SELECT 1, 2, 3

select now()

SELECT version()

SELECT current_database(), current_user

select * from t where id = 1

SELECT * FROM t WHERE id=2

SELECT * FROM t WHERE ID = 3 ;

Select * From T Where Id = 4

SELECT * FROM "T" WHERE id = 5

select * from t where id = 1 and name = 'x'

select * from t where name = 'x' and id = 1

select * from t where id = 1 or id = 2

select * from t where id = 1 for update

select * from t where id = 1 for update skip locked

select * from t where id = 1 for share

select * from t order by id limit 10

select * from t order by id limit 100

select * from t order by id desc limit 10

select count(*) from t

select count(1) from t

select count(id) from t

select id, coalesce(name, '') from t

select id, coalesce(name, 'none') from t

select id, case when x > 0 then 'pos' when x < 0 then 'neg' else 'zero' end from t

select id, case when x > 5 then 'big' when x < -5 then 'small' else 'mid' end from t

select a.id, b.id from a left join b on b.a_id = a.id where a.x = 1

select a.id, b.id from a left join b on b.a_id = a.id where a.x = 2

select exists(select 1 from t where id = 5)

select exists(select 1 from t where id = 6)

select substring(name from 1 for 3) from t

select substring(name from 2 for 10) from t

select * from t where name ilike '%foo%'

select * from t where name ~ '^a'

select * from t where data->>'k' = 'v'

select * from t where data->'a'->>'b' = 'c'

select * from t where data #>> '{a,b}' = 'c'

select * from t where data ? 'k'

select x::text from t

select x::int from t

select cast(x as text) from t

select id from t where created_at > now() - interval '5 minutes' and status in ('new', 'open')

select id from t where created_at > now() - interval '1 hour' and status in ('closed')

select id from t1 union all select id from t2

select id from t1 union select id from t2

select id from t where id in (select id from u where u.flag)

select id from t where id = any(array[1, 2, 3])

select id from t where id = any(array[4])

select id from t where id = any('{1,2,3}'::int[])

select id from t where id = any($1::int[])

select id from t where id = any($1)

select * from generate_series(1, 10)

select * from generate_series(1, 1000)

select E'a\nb', 'x'

select U&'\0041', B'101', X'1F'

# multiple statements in one Query message
select 1; select 2

select 3; select 4;

# DDL
CREATE TABLE users (id bigserial PRIMARY KEY, email text NOT NULL UNIQUE, created_at timestamptz DEFAULT now())

create table users (id bigserial primary key, email text not null unique, created_at timestamptz default now());

CREATE TABLE IF NOT EXISTS items (id int, name varchar(255), price numeric(10,2) DEFAULT 0)

CREATE TABLE IF NOT EXISTS items (id int, name varchar(100), price numeric(12,4) DEFAULT 1.5)

CREATE INDEX CONCURRENTLY idx_users_email ON users (email)

CREATE INDEX idx_users_email ON users USING btree (email)

CREATE UNIQUE INDEX users_email_key ON users (lower(email))

ALTER TABLE users ADD COLUMN age integer

ALTER TABLE users ADD COLUMN age integer DEFAULT 18

ALTER TABLE users DROP COLUMN age

DROP TABLE IF EXISTS users CASCADE

DROP TABLE users

TRUNCATE users

CREATE EXTENSION IF NOT EXISTS pg_stat_statements

COMMENT ON TABLE users IS 'people'

COMMENT ON TABLE users IS 'all the people'

CREATE VIEW active_users AS SELECT * FROM users WHERE active

CREATE OR REPLACE FUNCTION add(a int, b int) RETURNS int LANGUAGE sql AS $$ SELECT a + b $$

CREATE OR REPLACE FUNCTION add(a int, b int) RETURNS int LANGUAGE sql AS $$ SELECT b + a $$

GRANT SELECT ON users TO reader

# SET, SHOW, transactions
SET search_path TO public

SET search_path = myschema, public

set search_path to "$user", public

SET statement_timeout = 5000

SET statement_timeout TO '5s'

set statement_timeout = 0

SET LOCAL statement_timeout = 1000

SET SESSION statement_timeout = 1000

SET TIME ZONE 'UTC'

SET timezone = 'Europe/Paris'

SET application_name = 'psql'

SET application_name TO 'myapp'

SET search_path TO DEFAULT

RESET statement_timeout

RESET ALL

SHOW search_path

show SEARCH_PATH

SHOW server_version

SHOW ALL

BEGIN

begin;

BEGIN TRANSACTION

BEGIN WORK

BEGIN ISOLATION LEVEL SERIALIZABLE

BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY

START TRANSACTION

START TRANSACTION READ ONLY

COMMIT

commit;

END

COMMIT AND CHAIN

ROLLBACK

ABORT

SAVEPOINT sp1

SAVEPOINT "Sp_2"

savepoint s3

RELEASE SAVEPOINT sp1

RELEASE sp2

ROLLBACK TO SAVEPOINT sp1

ROLLBACK TO sp2

PREPARE TRANSACTION 'tx1'

COMMIT PREPARED 'tx1'

COMMIT PREPARED 'tx2'

PREPARE stmt1 (int) AS SELECT * FROM t WHERE id = $1

PREPARE other_name (int) AS SELECT * FROM t WHERE id = $1

EXECUTE stmt1(1)

EXECUTE other_name(2)

DEALLOCATE stmt1

DEALLOCATE PREPARE other_name

DEALLOCATE ALL

DECLARE c1 CURSOR FOR SELECT * FROM t

DECLARE cur_b CURSOR FOR SELECT * FROM t

FETCH 10 FROM c1

FETCH 100 FROM cur_b

FETCH NEXT FROM c1

CLOSE c1

CLOSE cur_b

DISCARD ALL

LISTEN events

NOTIFY events, 'payload'

NOTIFY events, 'other'

SELECT pg_notify('events', 'x')

VACUUM users

ANALYZE users

EXPLAIN SELECT * FROM t WHERE id = 1

EXPLAIN ANALYZE SELECT * FROM t WHERE id = 9

COPY t (a, b) FROM STDIN WITH (FORMAT csv)

COPY (SELECT * FROM t WHERE id > 10) TO STDOUT
