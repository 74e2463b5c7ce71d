// TestMain: one PostgreSQL cluster shared by the package's tests, plus shared fixtures.

package testsuite

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"
)

// shared is the package-wide cluster; tests that stop PostgreSQL start their own.
var shared *Cluster

func TestMain(m *testing.M) {
	c, err := NewCluster()
	if err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: %v\n", err)
		os.Exit(1)
	}
	shared = c
	if err := createFixtures(c); err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: %v\n%s\n", err, c.LogTail(2000))
		c.Close()
		os.Exit(1)
	}
	code := m.Run()
	if err := c.Close(); err != nil {
		fmt.Fprintf(os.Stderr, "cannot close shared cluster: %v\n", err)
	}
	RemoveProxyBinary()
	RemoveSuiteCerts()
	os.Exit(code)
}

// createFixtures creates the tables several tests use, owned by alice.
func createFixtures(c *Cluster) error {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, err := c.Connect(ctx, Alice)
	if err != nil {
		return fmt.Errorf("cannot connect as alice: %w", err)
	}
	defer conn.Close(ctx)
	return execAll(ctx, conn, []string{
		"CREATE TABLE kv (id int PRIMARY KEY, v int NOT NULL)",
		"INSERT INTO kv SELECT g, 0 FROM generate_series(1, 100) g",
		"CREATE TABLE events (id bigserial PRIMARY KEY, note text NOT NULL)",
		"GRANT ALL ON kv, events TO " + Bob.User,
	})
}
