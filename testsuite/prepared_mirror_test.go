// Prepared statements and mirroring: a mirrored transaction binds a statement prepared while nothing was mirrored.

package testsuite

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

const (
	prepMirrorDB    = "prep_mirror"
	prepMirrorTable = "prep_mirror_t"
)

// TestPreparedMirror prepares an insert while mirror exposure is 0, raises exposure to 1 from
// the admin console, then executes the statement again: the mirror connection, which never
// saw the Parse, must get it injected, so the rows arrive on the mirror without errors.
func TestPreparedMirror(t *testing.T) {
	mirror := StartCluster(t)
	ctx := testCtx(t, 60*time.Second)
	for _, c := range []*Cluster{shared, mirror} {
		conn := c.MustConnect(t, Alice)
		if err := execAll(ctx, conn, []string{"DROP TABLE IF EXISTS " + prepMirrorTable,
			"CREATE TABLE " + prepMirrorTable + " (id bigserial PRIMARY KEY, v int NOT NULL)"}); err != nil {
			t.Fatalf("on %s: %v", c.Addr(), err)
		}
	}
	p := StartProxy(t, prepMirrorConfig(mirror))
	admin := p.MustConnect(t, prepAdmin)
	pc := p.MustConnect(t, Alice).PgConn()

	insert := "insert into " + prepMirrorTable + "(v) values ($1)"
	if _, err := pc.Prepare(ctx, "ins", insert, nil); err != nil {
		t.Fatalf("prepare: %v", err)
	}
	if _, err := execPrepared(ctx, pc, "ins", "1"); err != nil {
		t.Fatalf("ins(1) at exposure 0: %v", err)
	}
	if err := adminExec(admin, "SET mirror_exposure TO '1'"); err != nil {
		t.Fatalf("SET mirror_exposure: %v", err)
	}
	if _, err := execPrepared(ctx, pc, "ins", "2"); err != nil {
		t.Fatalf("ins(2) at exposure 1: %v", err)
	}
	if err := simpleExec(ctx, pc, "begin"); err != nil {
		t.Fatal(err)
	}
	if _, err := execPrepared(ctx, pc, "ins", "3"); err != nil {
		t.Fatalf("ins(3) in a transaction: %v", err)
	}
	if err := simpleExec(ctx, pc, "commit"); err != nil {
		t.Fatal(err)
	}

	if got := countRows(t, shared, "select count(*) from "+prepMirrorTable); got != 3 {
		t.Errorf("source has %d rows, want 3", got)
	}
	mirrored := func() int64 {
		return countRows(t, mirror, "select count(*) from "+prepMirrorTable+" where v in (2, 3)")
	}
	if !waitFor(10*time.Second, func() bool { return mirrored() == 2 }) {
		t.Errorf("mirror has %d of the rows 2 and 3 after 10 s, want 2", mirrored())
	}
	if n := countRows(t, mirror, "select count(*) from "+prepMirrorTable+" where v = 1"); n != 0 {
		t.Errorf("mirror has %d rows of v = 1, inserted at exposure 0", n)
	}
	checkMirrorErrors(t, ctx, admin)
}

// prepMirrorConfig is a proxy in front of shared with alice's TestDatabase mirrored to
// mirror's TestDatabase (as prepMirrorDB) at exposure 0. Bob is left out: every user of a
// mirrored database needs an entry for the mirror.
func prepMirrorConfig(mirror *Cluster) ProxyConfig {
	cfg := prepConfig(shared, 2)
	cfg.General.MirrorExposure = float64p(0)
	cfg.Databases = append(cfg.Databases, Database{Name: prepMirrorDB, Host: mirror.Host, Port: mirror.Port, DatabaseName: TestDatabase})
	cfg.Users = append(cfg.Users[:1], User{Name: Alice.User, Database: prepMirrorDB, Password: Alice.Password, PoolSize: 2})
	cfg.Mirroring = []Mirror{{SourceDB: TestDatabase, DestinationDB: prepMirrorDB}}
	return cfg
}

// checkMirrorErrors waits until SHOW MIRRORS has accounted for every transaction sent to the
// mirror, then fails t when any of them failed there or fewer than the two were mirrored.
func checkMirrorErrors(t *testing.T, ctx context.Context, admin *pgx.Conn) {
	t.Helper()
	var row mirrorRow
	var err error
	settled := waitFor(10*time.Second, func() bool {
		var rows map[string]mirrorRow
		rows, err = showMirrors(ctx, admin)
		row = rows[prepMirrorDB]
		return err == nil && row.Total > 0 && row.accounted()
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("SHOW MIRRORS for %s: %+v", prepMirrorDB, row)
	if !settled {
		t.Errorf("SHOW MIRRORS did not settle within 10 s: %+v", row)
	}
	if row.Errors != 0 {
		t.Errorf("SHOW MIRRORS error_count = %d, want 0", row.Errors)
	}
	if row.Mirrored < 2 {
		t.Errorf("SHOW MIRRORS mirrored_count = %d, want at least the 2 transactions after SET", row.Mirrored)
	}
}
