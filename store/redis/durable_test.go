package redis

import (
	"testing"
	"time"
)

// Issue 13 (SECURITY C118): the replica count and replication ID that
// decide whether a revocation waits for a replica are read from INFO
// replication as Redis writes it; a replica's answer or a server hiding
// the field counts as no replica, and a garbled count is an error.
func TestParseReplication(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, info string
		n          int
		id         string
		err        bool
	}{
		{"master with a replica", "# Replication\r\nrole:master\r\nconnected_slaves:1\r\nslave0:ip=127.0.0.1,port=6381,state=online\r\nmaster_replid:4f2a\r\nmaster_repl_offset:42\r\n", 1, "4f2a", false},
		{"master alone", "# Replication\r\nrole:master\r\nconnected_slaves:0\r\nmaster_replid:9c\r\n", 0, "9c", false},
		{"replica", "# Replication\r\nrole:slave\r\nmaster_link_status:up\r\n", 0, "", false},
		{"empty", "", 0, "", false},
		{"garbled count", "connected_slaves:x\r\n", 0, "", true},
		{"negative count", "connected_slaves:-2\r\n", 0, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, id, err := parseReplication(tt.info)
			if (err != nil) != tt.err || n != tt.n || id != tt.id {
				t.Fatalf("parseReplication = %d, %q, %v; want %d, %q, error %v", n, id, err, tt.n, tt.id, tt.err)
			}
		})
	}
}

// Issue 13: the WAIT timeout stays below the client's read timeout, so
// that WAIT's answer arrives before the client gives up on it.
func TestReplicaWait(t *testing.T) {
	t.Parallel()
	tests := []struct{ read, want time.Duration }{
		{-1, DefaultReplicaWait},
		{0, DefaultReplicaWait},
		{2 * time.Second, DefaultReplicaWait},
		{300 * time.Millisecond, 150 * time.Millisecond},
		{time.Microsecond, time.Millisecond},
	}
	for _, tt := range tests {
		if got := replicaWait(DefaultReplicaWait, tt.read); got != tt.want {
			t.Errorf("replicaWait(%v) = %v, want %v", tt.read, got, tt.want)
		}
	}
}
