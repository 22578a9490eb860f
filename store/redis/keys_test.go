package redis

import (
	"strings"
	"testing"
)

// crc16 is CRC-16/XMODEM, the checksum Redis Cluster uses for key slots.
func crc16(b []byte) uint16 {
	var crc uint16
	for _, c := range b {
		crc ^= uint16(c) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}

// hashSlot is the Redis Cluster slot of key, with hash tags.
func hashSlot(key string) uint16 {
	if i := strings.IndexByte(key, '{'); i >= 0 {
		if j := strings.IndexByte(key[i+1:], '}'); j > 0 {
			key = key[i+1 : i+1+j]
		}
	}
	return crc16([]byte(key)) % 16384
}

func TestHashSlotMatchesRedis(t *testing.T) {
	t.Parallel()
	// Values from the Redis Cluster specification and CLUSTER KEYSLOT.
	tests := map[string]uint16{"foo": 12182, "somekey": 11058, "{user1000}.following": hashSlot("user1000")}
	for key, want := range tests {
		if got := hashSlot(key); got != want {
			t.Errorf("hashSlot(%q) = %d, want %d", key, got, want)
		}
	}
}

// Every script that takes two keys must get keys of one slot, or a Cluster
// refuses it with CROSSSLOT; tokens with braces must not break that.
func TestMultiKeyScriptsTouchOneSlot(t *testing.T) {
	t.Parallel()
	k := keys{DefaultPrefix}
	tokens := []string{"", "abc", "}", "{", "{}", "}abc", "a{b}c", "x}{y", "{{}}", strings.Repeat("z", 300), "\x00\xff"}
	for _, tok := range tokens {
		data, tomb := k.session(tok)
		if hashSlot(data) != hashSlot(tomb) {
			t.Errorf("token %q: %s and %s hash to slots %d and %d", tok, data, tomb, hashSlot(data), hashSlot(tomb))
		}
		if data == tomb {
			t.Errorf("token %q: data and tombstone share the key %s", tok, data)
		}
	}
}

// A user ID with braces must not pick the hash tag of its link key, and
// different user IDs never share one, also when one is hex-encoded.
func TestLinkUserKeys(t *testing.T) {
	t.Parallel()
	k := keys{DefaultPrefix}
	users := []string{"alice", "", "}", "{x}", "a:b", "{}", "x", "7b787d", "x7b787d", "{links}"}
	seen := map[string]string{}
	for _, u := range users {
		key := k.linkByUser(u)
		if other, ok := seen[key]; ok {
			t.Errorf("users %q and %q share the key %s", other, u, key)
		}
		seen[key] = u
		open, end := strings.IndexByte(key, '{'), strings.IndexByte(key, '}')
		if open < 0 || end != len(key)-1 || strings.Count(key, "{") != 1 || end == open+1 {
			t.Errorf("user %q: key %s does not end in one non-empty hash tag", u, key)
		}
	}
}

// Different tokens never share a key, also when one of them is stored
// hex-encoded.
func TestSessionKeysAreDistinct(t *testing.T) {
	t.Parallel()
	k := keys{DefaultPrefix}
	tokens := []string{"7d", "}", "7b7d", "{}", "s", "x:{s}", "", "sx"}
	seen := map[string]string{}
	for _, tok := range tokens {
		data, tomb := k.session(tok)
		for _, key := range []string{data, tomb} {
			if other, ok := seen[key]; ok {
				t.Errorf("tokens %q and %q share the key %s", other, tok, key)
			}
			seen[key] = tok
		}
	}
}

// Tokens spread over the slots (each session its own slot), so a Cluster
// shares sessions out between its nodes.
func TestSessionsSpreadOverSlots(t *testing.T) {
	t.Parallel()
	k := keys{DefaultPrefix}
	slots := map[uint16]bool{}
	for i := range 100 {
		data, _ := k.session(strings.Repeat("t", i+1))
		slots[hashSlot(data)] = true
	}
	if len(slots) < 90 {
		t.Errorf("100 tokens use only %d slots", len(slots))
	}
}

// Issue 13: links spread over the slots (each side of each link its own
// slot), so that no Cluster node holds and serves all of them.
func TestLinksSpreadOverSlots(t *testing.T) {
	t.Parallel()
	k := keys{DefaultPrefix}
	kakaoSlots, userSlots := map[uint16]bool{}, map[uint16]bool{}
	for i := range 100 {
		kakaoSlots[hashSlot(k.linkByKakao(int64(1000+i)))] = true
		userSlots[hashSlot(k.linkByUser("user-"+strings.Repeat("u", i)))] = true
	}
	if len(kakaoSlots) < 90 || len(userSlots) < 90 {
		t.Errorf("100 links use only %d Kakao-side and %d user-side slots", len(kakaoSlots), len(userSlots))
	}
}
