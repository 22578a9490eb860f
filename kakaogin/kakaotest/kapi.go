package kakaotest

import (
	"crypto/subtle"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// authMode says which credentials an endpoint takes.
type authMode int

const (
	userOrAdmin authMode = iota // Bearer, or KakaoAK with target_id
	userOnly                    // Bearer only
	adminApp                    // KakaoAK, no target user
)

// caller is the authenticated subject of a kapi call.
type caller struct {
	st    *userState // nil for adminApp
	admin bool
	token string // access token (user calls)
}

// authenticate checks the Authorization header (and admin target) and
// answers the error itself when it fails. Hold s.mu.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request, mode authMode) (*caller, bool) {
	scheme, cred, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	switch {
	case strings.EqualFold(scheme, "Bearer") && cred != "":
		if mode == adminApp {
			s.kapiErrorLocked(w, 401, -401, "this api requires an admin key (KakaoAK)")
			return nil, false
		}
		at, ok := s.access[cred]
		if !ok {
			s.kapiErrorLocked(w, 401, -401, "this access token does not exist")
			return nil, false
		}
		if !s.now().Before(at.expires) {
			s.kapiErrorLocked(w, 401, -401, "this access token is already expired")
			return nil, false
		}
		st := s.users[at.userID]
		if st == nil || !st.linked {
			s.kapiErrorLocked(w, 400, -101, "NotRegisteredUserException")
			return nil, false
		}
		return &caller{st: st, token: cred}, true
	case scheme == "KakaoAK" && cred != "":
		if mode == userOnly {
			s.kapiErrorLocked(w, 401, -401, "this api requires a user access token")
			return nil, false
		}
		if subtle.ConstantTimeCompare([]byte(cred), []byte(s.AdminKey)) != 1 {
			s.kapiErrorLocked(w, 401, -401, "wrong admin key. check your app admin key")
			return nil, false
		}
		if mode == adminApp {
			return &caller{admin: true}, true
		}
		if r.Form.Get("target_id_type") != "user_id" {
			s.kapiErrorLocked(w, 400, -2, "target_id_type must be user_id")
			return nil, false
		}
		id, err := strconv.ParseInt(r.Form.Get("target_id"), 10, 64)
		if err != nil {
			s.kapiErrorLocked(w, 400, -2, "invalid target_id")
			return nil, false
		}
		st := s.users[id]
		if st == nil || !st.linked {
			s.kapiErrorLocked(w, 400, -101, "NotRegisteredUserException")
			return nil, false
		}
		return &caller{st: st, admin: true}, true
	default:
		s.kapiErrorLocked(w, 401, -401, "no valid authorization header")
		return nil, false
	}
}

// kapiErrorLocked is kapiError for callers holding s.mu.
func (s *Server) kapiErrorLocked(w http.ResponseWriter, status, code int, msg string) {
	if code == -401 && s.beh.WWWAuthenticate {
		w.Header().Set("WWW-Authenticate", "Bearer error=invalid_token")
	}
	writeJSON(w, status, map[string]any{"msg": msg, "code": code})
}

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func (s *Server) handleAccessTokenInfo(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.authenticate(w, r, userOnly)
	if !ok {
		return
	}
	at := s.access[c.token]
	left := int(at.expires.Sub(s.now()) / time.Second)
	app := s.AppID
	if at.appID != 0 {
		app = at.appID
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": c.st.ID, "expires_in": left, "app_id": app})
}

func (s *Server) handleMe(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.authenticate(w, r, userOrAdmin)
	if !ok {
		return
	}
	var keys []string
	if raw := r.Form.Get("property_keys"); raw != "" {
		if keys, ok = parseStringArray(raw); !ok {
			s.kapiErrorLocked(w, 400, -2, "invalid property_keys: must be a JSON string array")
			return
		}
	}
	body, code, msg := s.userJSON(c.st, keys, keys != nil, r.Form.Get("secure_resource") == "true")
	if code != 0 {
		s.kapiErrorLocked(w, 400, code, msg)
		return
	}
	writeJSON(w, http.StatusOK, body)
}

func (s *Server) handleOIDCUserInfo(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.authenticate(w, r, userOnly)
	if !ok {
		return
	}
	if !s.beh.OIDC {
		s.kapiErrorLocked(w, 403, -3, "OpenID Connect is not enabled for this app")
		return
	}
	st := c.st
	out := map[string]any{"sub": strconv.FormatInt(st.ID, 10)}
	set := func(scope, key string, v any, has bool) {
		if has && (st.agreed(scope) || (st.agreed("profile") && (scope == "profile_nickname" || scope == "profile_image"))) {
			out[key] = v
		}
	}
	set("name", "name", st.Name, st.Name != "")
	set("profile_nickname", "nickname", st.Nickname, st.Nickname != "")
	set("profile_image", "picture", st.ThumbnailImageURL, st.ThumbnailImageURL != "")
	set("account_email", "email", st.Email, st.Email != "")
	set("account_email", "email_verified", st.EmailVerified && st.EmailValid, st.Email != "")
	g := st.Gender
	if s.beh.UserInfoGenderUpper {
		g = strings.ToUpper(g)
	}
	set("gender", "gender", g, g != "")
	set("phone_number", "phone_number", st.PhoneNumber, st.PhoneNumber != "")
	set("phone_number", "phone_number_verified", true, st.PhoneNumber != "")
	day := st.agreed("birthday") && len(st.Birthday) == 4
	year := st.agreed("birthyear") && st.Birthyear != ""
	switch {
	case day && year:
		out["birthdate"] = st.Birthyear + "-" + st.Birthday[:2] + "-" + st.Birthday[2:]
	case day:
		out["birthdate"] = "0000-" + st.Birthday[:2] + "-" + st.Birthday[2:]
	case year:
		out["birthdate"] = st.Birthyear
	}
	writeJSON(w, http.StatusOK, out)
}
