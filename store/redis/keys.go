package redis

import (
	"encoding/hex"
	"strconv"
	"strings"
)

// keys builds the Redis keys of one Store; see "Keys" in the package doc.
type keys struct{ prefix string }

// newKeys returns the key builder for a validated prefix.
func newKeys(prefix string) keys { return keys{prefix: prefix} }

// session returns the data key and the tombstone key of token. Both carry
// the same hash tag, so scripts that touch both run in one Cluster slot.
func (k keys) session(token string) (data, tombstone string) {
	if token == "" || strings.ContainsAny(token, "{}") {
		// An empty token, or a brace in one, could leave the hash tag
		// empty, so that the two keys hash apart: store such tokens
		// hex-encoded behind an "x" (never an empty tag), in a namespace
		// of their own so that they never collide with a literal token.
		h := "x" + hex.EncodeToString([]byte(token))
		return k.prefix + "sx:{" + h + "}", k.prefix + "rx:{" + h + "}"
	}
	return k.prefix + "s:{" + token + "}", k.prefix + "r:{" + token + "}"
}

// outbox returns the keys of topic's queue, in the order the outbox
// scripts take them: ready (claimable IDs scored by enqueue order), leased
// (leased IDs scored by lease end), age (every ID scored by enqueue time),
// payloads, state of each ID ("seq:attempts:lease") and the sequence
// counter. All carry the topic as hash tag, so each script touches one
// Cluster slot; a topic with a brace is hex-encoded, as tokens are.
func (k keys) outbox(topic string) []string {
	tag := k.prefix + "o:{" + topic + "}"
	if topic == "" || strings.ContainsAny(topic, "{}") {
		tag = k.prefix + "ox:{x" + hex.EncodeToString([]byte(topic)) + "}"
	}
	return []string{tag + ":ready", tag + ":leased", tag + ":age", tag + ":payload", tag + ":state", tag + ":seq"}
}

// user returns the key of user's session index.
func (k keys) user(user string) string { return k.prefix + "u:{" + user + "}" }

// lock returns the key of the named lock.
func (k keys) lock(name string) string { return k.prefix + "l:" + name }

// linkByKakao and linkByUser return the two keys of a link, each with
// its own hash tag (the Kakao ID, the user ID), so that links spread over
// a Cluster's slots; see links.go for how the two sides are kept in step.
// A user ID with a brace is hex-encoded, as tokens are.
func (k keys) linkByKakao(kakaoID int64) string {
	return k.prefix + "lk:{" + strconv.FormatInt(kakaoID, 10) + "}"
}

func (k keys) linkByUser(userID string) string {
	if userID == "" || strings.ContainsAny(userID, "{}") {
		return k.prefix + "lux:{x" + hex.EncodeToString([]byte(userID)) + "}"
	}
	return k.prefix + "lu:{" + userID + "}"
}
