// Tests of [[mirroring]]: resolution from [general], the queue_depth alias and the checks.

package config

import "testing"

const mirrorDBs = `
[general]
mirror_queue = 64
mirror_exposure = 0.5

[[databases]]
name = "prod"
host = "h"

[[databases]]
name = "staging"
host = "h"
port = 5433
`

const mirrorUsers = `
[[users]]
name = "alice"
database = "prod"

[[users]]
name = "alice"
database = "staging"
`

func TestMirrorResolution(t *testing.T) {
	tests := []struct {
		name, entry string
		want        Mirror
	}{
		{"inherits general", "",
			Mirror{SourceDB: "prod", DestinationDB: "staging", QueueLength: 64, Exposure: 0.5, Level: "all"}},
		{"queue_length and exposure", "queue_length = 10\nexposure = 0.1\nlevel = \"dml\"\n",
			Mirror{SourceDB: "prod", DestinationDB: "staging", QueueLength: 10, Exposure: 0.1, Level: "dml"}},
		{"queue_depth alias", "queue_depth = 7\n",
			Mirror{SourceDB: "prod", DestinationDB: "staging", QueueLength: 7, Exposure: 0.5, Level: "all"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := mustLoad(t, mirrorDBs+"\n[[mirroring]]\nsource_db = \"prod\"\ndestination_db = \"staging\"\n"+tt.entry, mirrorUsers)
			if len(cfg.Mirrors) != 1 || cfg.Mirrors[0] != tt.want {
				t.Errorf("mirrors = %+v, want %+v", cfg.Mirrors, tt.want)
			}
			if got := cfg.MirrorsFrom("prod"); len(got) != 1 || len(cfg.MirrorsFrom("staging")) != 0 {
				t.Errorf("MirrorsFrom(prod) = %+v", got)
			}
		})
	}
}

func TestMirrorProblems(t *testing.T) {
	const head = "\n[[mirroring]]\n" // [[mirroring]] is line 15, its first key line 16
	tests := []struct {
		name, entry, users string
		key                string
		line               int
		msg                string
	}{
		{"missing user on destination", "source_db = \"prod\"\ndestination_db = \"staging\"\n",
			"[[users]]\nname = \"alice\"\ndatabase = \"prod\"\n",
			"mirroring[1].destination_db", 17,
			"mirror prod -> staging: user alice has no entry for database staging in users.toml"},
		{"unknown destination", "source_db = \"prod\"\ndestination_db = \"nope\"\n", mirrorUsers,
			"mirroring[1].destination_db", 17, `database "nope" is not a [[databases]] entry`},
		{"unknown source", "source_db = \"nope\"\ndestination_db = \"staging\"\n", mirrorUsers,
			"mirroring[1].source_db", 16, `database "nope" is not a [[databases]] entry`},
		{"exposure above 1", "source_db = \"prod\"\ndestination_db = \"staging\"\nexposure = 1.5\n", mirrorUsers,
			"mirroring[1].exposure", 18, "exposure must be within 0..1, got 1.5"},
		{"negative exposure", "source_db = \"prod\"\ndestination_db = \"staging\"\nexposure = -0.1\n", mirrorUsers,
			"mirroring[1].exposure", 18, "exposure must be within 0..1, got -0.1"},
		{"bad level", "source_db = \"prod\"\ndestination_db = \"staging\"\nlevel = \"ddl_only\"\n", mirrorUsers,
			"mirroring[1].level", 18, `"ddl_only" is not one of all, dml, ddl`},
		{"missing source", "destination_db = \"staging\"\n", mirrorUsers,
			"mirroring[1].source_db", 15, "missing required key"},
		{"both queue keys", "source_db = \"prod\"\ndestination_db = \"staging\"\nqueue_length = 1\nqueue_depth = 2\n", mirrorUsers,
			"mirroring[1].queue_depth", 19, "is another name of queue_length; give only one of them"},
		{"self", "source_db = \"prod\"\ndestination_db = \"prod\"\n", mirrorUsers,
			"mirroring[1].destination_db", 17, "a database cannot mirror to itself"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps := loadProblems(t, mirrorDBs+head+tt.entry, tt.users)
			p := findProblem(t, ps, "pgdog.toml", tt.key)
			if p.Line != tt.line || p.Msg != tt.msg {
				t.Errorf("got %s, want line %d msg %q", p, tt.line, tt.msg)
			}
		})
	}
}

func TestGeneralMirrorExposureRange(t *testing.T) {
	ps := loadProblems(t, "[general]\nmirror_exposure = 2.0\n"+baseDB, baseUsers)
	p := findProblem(t, ps, "pgdog.toml", "general.mirror_exposure")
	if p.Line != 2 {
		t.Errorf("line = %d", p.Line)
	}
}
