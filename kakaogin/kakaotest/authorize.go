package kakaotest

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// sessionCookie is the fake's "Kakao Account session" cookie.
const sessionCookie = "kakaotest_session"

// authRequest is a validated authorize request.
type authRequest struct {
	clientID, redirectURI, state, nonce string
	challenge, method, loginHint        string
	scopes                              []string // consent items asked for via scope
	scopeParam                          bool     // scope was sent (additional consent)
	openid                              bool     // scope contained openid
	prompts                             []string
	terms                               []string // service_terms tags
}

// browserSession is a Kakao Account session in one browser.
type browserSession struct {
	userID   int64
	authTime time.Time
	expires  time.Time
}

// pendingAuth is an authorize request waiting on the consent screen.
type pendingAuth struct {
	req     authRequest
	items   []string // items shown (optional ones may be unticked)
	terms   []string // terms shown (optional ones may be unticked)
	expires time.Time
}

// parseAuthorize validates the query; on failure it returns the KOE code,
// status and message of Kakao's error page.
func (s *Server) parseAuthorize(q url.Values) (authRequest, string, int, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var a authRequest
	for _, k := range []string{"client_id", "redirect_uri", "response_type"} {
		if q.Get(k) == "" {
			return a, "KOE207", 400, "필수 파라미터가 없습니다: " + k
		}
	}
	if q.Get("client_id") != s.ClientID {
		return a, "KOE101", 401, "잘못된 앱 키 타입을 사용했거나 앱 키에 오타가 있습니다. (invalid_client)"
	}
	a.clientID = s.ClientID
	a.redirectURI = q.Get("redirect_uri")
	if !s.redirectURIs[a.redirectURI] {
		return a, "KOE006", 400, "등록되지 않은 리다이렉트 URI를 사용해 인가 코드를 요청했습니다."
	}
	switch rt := q.Get("response_type"); rt {
	case "code":
	case "token":
		return a, "KOE202", 400, "Unsupported response type: token (invalid_request)"
	default:
		return a, "KOE201", 400, "Unsupported response type: " + rt + " (invalid_request)"
	}
	spaces := s.beh.AcceptSpaceLists
	if q.Has("scope") && strings.TrimSpace(q.Get("scope")) != "" {
		a.scopeParam = true
		for _, sc := range splitList(q.Get("scope"), spaces) {
			if sc == "openid" {
				a.openid = true
				continue
			}
			if _, ok := s.scopeByID(sc); !ok {
				return a, "KOE205", 400, "설정하지 않은 동의 항목을 요청했습니다: " + sc
			}
			if !slices.Contains(a.scopes, sc) {
				a.scopes = append(a.scopes, sc)
			}
		}
	}
	for _, p := range splitList(q.Get("prompt"), spaces) {
		switch p {
		case "login", "none", "create", "select_account":
			a.prompts = append(a.prompts, p)
		default:
			return a, "KOE204", 400, "잘못된 파라미터 값입니다: prompt=" + p
		}
	}
	if q.Get("auth_type") == "reauthenticate" {
		a.prompts = append(a.prompts, "login")
	}
	for _, tag := range splitList(q.Get("service_terms"), false) {
		if _, ok := s.termByTag(tag); !ok {
			return a, "KOE204", 400, "설정하지 않은 서비스 약관입니다: " + tag
		}
		a.terms = append(a.terms, tag)
	}
	a.challenge, a.method = q.Get("code_challenge"), q.Get("code_challenge_method")
	if a.challenge != "" {
		if a.method == "" {
			a.method = "plain"
		}
		if a.method != "S256" && (a.method != "plain" || !s.beh.PKCEPlain) {
			return a, "KOE204", 400, "지원하지 않는 code_challenge_method입니다: " + a.method
		}
	} else if a.method != "" {
		return a, "KOE204", 400, "code_challenge 없이 code_challenge_method가 전달되었습니다."
	}
	a.state, a.nonce, a.loginHint = q.Get("state"), q.Get("nonce"), q.Get("login_hint")
	return a, "", 0, ""
}

func (a authRequest) prompt(p string) bool { return slices.Contains(a.prompts, p) }

// needs lists the consent items and terms the request must show to st.
// Hold s.mu.
func (s *Server) needs(st *userState, a authRequest) (items []string, terms []string) {
	add := func(id string) {
		if !st.agreed(id) && !slices.Contains(items, id) {
			items = append(items, id)
		}
	}
	for _, it := range s.scopes {
		if it.Required || (!st.linked && !it.OnDemand) {
			add(it.ID)
		}
	}
	for _, id := range a.scopes {
		add(id)
	}
	for _, t := range s.terms {
		_, ok := st.terms[t.Tag]
		asked := slices.Contains(a.terms, t.Tag) || (!st.linked && len(a.terms) == 0)
		if !ok && (t.Required || asked) {
			terms = append(terms, t.Tag)
		}
	}
	return items, terms
}

// session returns the live Kakao Account session of the browser. Hold s.mu.
func (s *Server) session(r *http.Request) (*browserSession, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil, false
	}
	bs, ok := s.sessions[c.Value]
	if !ok || !s.now().Before(bs.expires) {
		return nil, false
	}
	if _, known := s.users[bs.userID]; !known {
		return nil, false
	}
	return bs, true
}

// startSession signs the browser in to Kakao as userID. Hold s.mu.
func (s *Server) startSession(w http.ResponseWriter, userID int64) *browserSession {
	now := s.now()
	id := randomHex(16)
	bs := &browserSession{userID: userID, authTime: now, expires: now.Add(s.beh.SessionLifetime)}
	s.sessions[id] = bs
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: id, Path: s.prefix + "/",
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.tls})
	return bs
}

func (s *Server) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	a, koe, status, msg := s.parseAuthorize(r.URL.Query())
	if koe != "" {
		s.errorPage(w, status, koe, msg)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	bs, hasSession := s.session(r)
	if a.prompt("login") {
		hasSession = false
	}
	if a.prompt("none") {
		s.authorizeSilently(w, r, a, bs, hasSession)
		return
	}
	if s.interactive {
		if hasSession {
			st := s.users[bs.userID]
			if items, terms := s.needs(st, a); st.linked && len(items) == 0 && len(terms) == 0 {
				s.redirectCode(w, r, a, st.ID, nil, nil, bs.authTime)
				return
			}
		}
		sel := s.loginUser
		if hasSession {
			sel = bs.userID
		} else if id, ok := s.userByHint(a.loginHint); ok {
			sel = id
		}
		s.renderConsent(w, a, sel)
		return
	}
	uid := s.loginUser
	if hasSession {
		uid = bs.userID
	} else if id, ok := s.userByHint(a.loginHint); ok {
		uid = id
	}
	st, ok := s.users[uid]
	if !ok {
		s.errorPage(w, http.StatusInternalServerError, "KOE003", "kakaotest: no user to log in")
		return
	}
	if !hasSession {
		bs = s.startSession(w, uid)
	}
	items, terms := s.needs(st, a)
	items = slices.DeleteFunc(items, func(id string) bool {
		it, _ := s.scopeByID(id)
		return !it.Required && slices.Contains(st.Decline, id)
	})
	s.redirectCode(w, r, a, uid, items, terms, bs.authTime)
}

// authorizeSilently answers prompt=none. Hold s.mu.
func (s *Server) authorizeSilently(w http.ResponseWriter, r *http.Request, a authRequest, bs *browserSession, ok bool) {
	if !ok {
		s.redirectError(w, r, a, "login_required", "user authentication required.")
		return
	}
	st := s.users[bs.userID]
	items, terms := s.needs(st, a)
	if !st.linked || len(items) > 0 || len(terms) > 0 {
		s.redirectError(w, r, a, "consent_required", s.beh.ConsentRequiredDescription)
		return
	}
	s.redirectCode(w, r, a, st.ID, nil, nil, bs.authTime)
}

func (s *Server) userByHint(hint string) (int64, bool) {
	if hint == "" {
		return 0, false
	}
	for _, id := range s.order {
		u := s.users[id]
		if strings.EqualFold(u.Email, hint) || u.PhoneNumber == hint || strconv.FormatInt(id, 10) == hint {
			return id, true
		}
	}
	return 0, false
}

// redirectCode issues a code for userID carrying the new agreements and
// redirects to the redirect URI. Hold s.mu.
func (s *Server) redirectCode(w http.ResponseWriter, r *http.Request, a authRequest, userID int64, items, terms []string, authTime time.Time) {
	code := randomToken(40)
	s.codes[code] = &authCode{req: a, userID: userID, items: items, terms: terms,
		authTime: authTime, expires: s.now().Add(s.beh.CodeLifetime)}
	v := url.Values{"code": {code}}
	if a.state != "" {
		v.Set("state", a.state)
	}
	redirectTo(w, r, a.redirectURI, v)
}

// redirectError sends an OAuth error to the redirect URI. Hold s.mu.
func (s *Server) redirectError(w http.ResponseWriter, r *http.Request, a authRequest, errValue, desc string) {
	v := url.Values{"error": {errValue}, "error_description": {desc}}
	if a.state != "" {
		v.Set("state", a.state)
	}
	redirectTo(w, r, a.redirectURI, v)
}

func redirectTo(w http.ResponseWriter, r *http.Request, base string, v url.Values) {
	u, err := url.Parse(base)
	if err != nil {
		http.Error(w, "bad redirect", http.StatusInternalServerError)
		return
	}
	q := u.Query()
	for k, vals := range v {
		q[k] = vals
	}
	u.RawQuery = q.Encode()
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, u.String(), http.StatusFound)
}

func (s *Server) handleConsentSubmit(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.pending[r.PostForm.Get("p")]
	if ok && !s.now().Before(p.expires) {
		// The consent screen was left open too long. The request named its
		// service: link back to it, so that the page is no dead end.
		delete(s.pending, r.PostForm.Get("p"))
		s.errorPageBack(w, http.StatusBadRequest, "KOE001", "만료된 요청입니다. 서비스에서 다시 로그인해 주세요.", siteOrigin(p.req.redirectURI))
		return
	}
	if !ok {
		// A request the fake does not know: made up, or answered already
		// (a second click, the browser's back button). Which service sent
		// it is unknown; link back to the services registered.
		s.errorPageBack(w, http.StatusBadRequest, "KOE001", "만료되었거나 잘못된 요청입니다. 서비스에서 다시 로그인해 주세요.", s.serviceOrigins()...)
		return
	}
	delete(s.pending, r.PostForm.Get("p"))
	if r.PostForm.Get("action") != "accept" {
		s.redirectError(w, r, p.req, "access_denied", "User denied access")
		return
	}
	uid, err := strconv.ParseInt(r.PostForm.Get("user"), 10, 64)
	st, known := s.users[uid]
	if err != nil || !known {
		s.errorPage(w, http.StatusBadRequest, "KOE001", "알 수 없는 사용자입니다.")
		return
	}
	// The screen was computed for the account the picker showed first. If
	// the user picked another account that needs items or terms the screen
	// did not show, Kakao asks that account for its own consent: show the
	// screen again, computed for it, rather than grant what nobody saw.
	items, terms := s.needs(st, p.req)
	if !subset(items, p.items) || !subset(terms, p.terms) {
		s.renderConsent(w, p.req, uid)
		return
	}
	ticked := r.PostForm["scope"]
	items = slices.DeleteFunc(items, func(id string) bool {
		it, _ := s.scopeByID(id)
		return !it.Required && !slices.Contains(ticked, id)
	})
	tickedTerms := r.PostForm["term"]
	terms = slices.DeleteFunc(terms, func(tag string) bool {
		t, _ := s.termByTag(tag)
		return !t.Required && !slices.Contains(tickedTerms, tag)
	})
	bs := s.startSession(w, uid)
	s.redirectCode(w, r, p.req, uid, items, terms, bs.authTime)
}

// siteOrigin is the origin ("https://host/") of a registered redirect URI,
// or "" when it has none.
func siteOrigin(redirectURI string) string {
	u, err := url.Parse(redirectURI)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return ""
	}
	return u.Scheme + "://" + u.Host + "/"
}

// serviceOrigins are the distinct origins of the registered redirect URIs,
// sorted. Hold s.mu.
func (s *Server) serviceOrigins() []string {
	var out []string
	for u := range s.redirectURIs {
		if o := siteOrigin(u); o != "" && !slices.Contains(out, o) {
			out = append(out, o)
		}
	}
	slices.Sort(out)
	return out
}

// subset reports whether every element of a is in b.
func subset(a, b []string) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

func (s *Server) handleLogoutRedirect(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	defer s.mu.Unlock()
	if q.Get("client_id") == "" || q.Get("logout_redirect_uri") == "" {
		s.errorPage(w, http.StatusBadRequest, "KOE207", "필수 파라미터가 없습니다.")
		return
	}
	if q.Get("client_id") != s.ClientID {
		s.errorPage(w, http.StatusUnauthorized, "KOE101", "잘못된 앱 키입니다. (invalid_client)")
		return
	}
	if !s.logoutURIs[q.Get("logout_redirect_uri")] {
		s.errorPage(w, http.StatusBadRequest, "KOE007", "등록되지 않은 로그아웃 리다이렉트 URI입니다.")
		return
	}
	if c, err := r.Cookie(sessionCookie); err == nil {
		delete(s.sessions, c.Value)
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: s.prefix + "/", MaxAge: -1, HttpOnly: true})
	v := url.Values{}
	if st := q.Get("state"); st != "" {
		v.Set("state", st)
	}
	redirectTo(w, r, q.Get("logout_redirect_uri"), v)
}
