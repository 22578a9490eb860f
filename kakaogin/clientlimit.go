package kakaogin

import (
	"net/netip"

	"github.com/gin-gonic/gin"
)

// defaultNewSessionsPerMinute is Login.NewSessionsPerMinute's default.
const defaultNewSessionsPerMinute = 60

// allowNewSession counts a login start that will create a session for a
// browser that has none, and reports whether its client is still within
// Login.NewSessionsPerMinute.
func (k *Kakao) allowNewSession(c *gin.Context) bool {
	client := clientKey(c.ClientIP())
	if k.newSessions.blocked(client) {
		return false
	}
	k.newSessions.fail(client)
	return true
}

// clientKey is the address a per-client limit counts: the IPv4 address,
// or the /64 an IPv6 address is in (one subscriber usually holds a whole
// /64, so counting single IPv6 addresses would let one client count as
// many).
func clientKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	if a = a.Unmap(); a.Is4() {
		return a.String()
	}
	p, _ := a.Prefix(64)
	return p.String()
}
