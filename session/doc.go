// Package session keeps Kakao Login sessions for Gin apps on top of
// github.com/alexedwards/scs/v2 and any store backend (a
// store.SessionStore).
//
//	st := memory.New() // or store.Open(ctx, url, …)
//	sm, err := session.New(st, session.Config{SealKeys: [][]byte{key}})
//	if err != nil { … }
//	r := gin.Default()             // gin.Recovery first, then sessions
//	r.Use(sm.Middleware())
//	r.GET("/me", func(c *gin.Context) {
//		if l, ok := sm.Login(c); ok {
//			c.JSON(200, gin.H{"nickname": l.Nickname})
//		}
//	})
//
// The Middleware saves the session and writes its cookie before the first
// byte of any response (scs's LoadAndSave cannot do that under Gin). The
// cookie is HttpOnly, SameSite=Lax, Secure and named __Host-… by default.
// Sessions end after 30 idle minutes or 12 hours (Config).
//
// What a session holds is one small typed record, not scs's map of
// interface values: the login state (Login), the Kakao tokens sealed with
// AES-256-GCM (TokenSet), unfinished OAuth flows (Flow), a CSRF secret and
// a little host data. It is stored in a compact binary form that is
// decoded lazily; tokens are hashed before they reach the store.
//
// Every save is a compare-and-swap against the bytes the request loaded,
// so concurrent requests never overwrite each other's changes, and a
// session that was logged out or revoked stays ended: a request that
// loaded it earlier cannot save it back. A request that changes nothing
// writes only to move the idle deadline, at most once per TouchInterval.
//
// LogIn, RenewToken and LogOut renew or end the session token on every
// privilege change. RevokeKakaoUser and RevokeHostUser end every session
// of one user through the store's per-user index.
package session
