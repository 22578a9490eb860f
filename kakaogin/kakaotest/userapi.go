package kakaotest

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.authenticate(w, r, userOrAdmin)
	if !ok {
		return
	}
	if c.admin {
		s.revokeAll(c.st.ID)
	} else {
		if at := s.access[c.token]; at != nil && s.beh.LogoutRevokesRefresh {
			delete(s.refresh, at.refresh)
		}
		delete(s.access, c.token)
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": c.st.ID})
}

func (s *Server) handleUnlink(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.authenticate(w, r, userOrAdmin)
	if !ok {
		return
	}
	s.revokeAll(c.st.ID)
	c.st.unlink()
	writeJSON(w, http.StatusOK, map[string]any{"id": c.st.ID})
}

func (s *Server) handleSignup(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.authenticate(w, r, userOnly)
	if !ok {
		return
	}
	if s.beh.AutoLink || c.st.signedUp {
		s.kapiErrorLocked(w, 400, -102, "already registered")
		return
	}
	if raw := r.PostForm.Get("properties"); raw != "" {
		if !s.setProperties(w, c.st, raw) {
			return
		}
	}
	c.st.signedUp = true
	writeJSON(w, http.StatusOK, map[string]any{"id": c.st.ID})
}

func (s *Server) handleUpdateProfile(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.authenticate(w, r, userOnly)
	if !ok {
		return
	}
	raw := r.PostForm.Get("properties")
	if raw == "" {
		s.kapiErrorLocked(w, 400, -2, "properties is required")
		return
	}
	if s.setProperties(w, c.st, raw) {
		writeJSON(w, http.StatusOK, map[string]any{"id": c.st.ID})
	}
}

// setProperties stores a JSON object of string properties, or answers the
// error. Hold s.mu.
func (s *Server) setProperties(w http.ResponseWriter, st *userState, raw string) bool {
	var props map[string]string
	if err := json.Unmarshal([]byte(raw), &props); err != nil || props == nil {
		s.kapiErrorLocked(w, 400, -2, "properties must be a JSON object of strings")
		return false
	}
	for _, k := range slices.Sorted(maps.Keys(props)) {
		if !s.propertyKeys[k] {
			s.kapiErrorLocked(w, 400, -201, "user property not found (["+k+"] for appId="+strconv.FormatInt(s.AppID, 10)+")")
			return false
		}
	}
	maps.Copy(st.props, props)
	return true
}

// scopeList renders the consent details of st, like /v2/user/scopes,
// restricted to only when non-nil. Hold s.mu.
func (s *Server) scopeList(st *userState, only []string) map[string]any {
	list := []map[string]any{}
	add := func(it ConsentItem, using bool) {
		if only != nil && !slices.Contains(only, it.ID) {
			return
		}
		e := map[string]any{"id": it.ID, "display_name": it.DisplayName, "type": it.Type,
			"using": using, "agreed": st.agreed(it.ID), "delegated": false}
		if st.agreed(it.ID) {
			e["revocable"] = !it.Required
		}
		list = append(list, e)
	}
	for _, it := range s.scopes {
		add(it, true)
	}
	for _, id := range slices.Sorted(maps.Keys(st.consents)) {
		if _, ok := s.scopeByID(id); !ok {
			add(ConsentItem{ID: id, DisplayName: id, Type: "PRIVACY"}, false)
		}
	}
	return map[string]any{"id": st.ID, "scopes": list}
}

func (s *Server) handleScopes(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.authenticate(w, r, userOrAdmin)
	if !ok {
		return
	}
	var only []string
	if raw := r.Form.Get("scopes"); raw != "" {
		if only, ok = parseStringArray(raw); !ok {
			s.kapiErrorLocked(w, 400, -2, "invalid scopes: must be a JSON string array")
			return
		}
	}
	writeJSON(w, http.StatusOK, s.scopeList(c.st, only))
}

func (s *Server) handleRevokeScopes(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.authenticate(w, r, userOrAdmin)
	if !ok {
		return
	}
	ids, ok := parseStringArray(r.PostForm.Get("scopes"))
	if !ok || len(ids) == 0 {
		s.kapiErrorLocked(w, 400, -2, "scopes is required as a JSON string array")
		return
	}
	var revoke []string
	for _, id := range ids {
		it, configured := s.scopeByID(id)
		if configured && it.Required {
			s.kapiErrorLocked(w, 403, -3, "["+id+"] is not revocable. check out if it's set as required on developers.kakao.com")
			return
		}
		if c.st.agreed(id) {
			revoke = append(revoke, id)
		}
	}
	if len(revoke) == 0 {
		s.kapiErrorLocked(w, 400, -2, "There is no scopes to revoke. check out if given scope id(["+strings.Join(ids, ",")+"]) is correct again.")
		return
	}
	for _, id := range revoke {
		delete(c.st.consents, id)
	}
	writeJSON(w, http.StatusOK, s.scopeList(c.st, nil))
}

// termsChange authenticates a revoke or upgrade of service terms and reads
// its tags; when it returns false it has answered (the -2 error for a
// missing or unknown tag). Hold s.mu.
func (s *Server) termsChange(w http.ResponseWriter, r *http.Request, verb string) (*caller, []string, bool) {
	c, ok := s.authenticate(w, r, userOrAdmin)
	if !ok {
		return nil, nil, false
	}
	if r.PostForm.Get("tags") == "" {
		s.kapiErrorLocked(w, 400, -2, "tags is required")
		return nil, nil, false
	}
	tags, ok := s.termsTags(w, r.PostForm.Get("tags"), verb)
	return c, tags, ok
}

// termsTags parses and checks a tags list; it answers the -2 error for an
// unknown tag. Hold s.mu.
func (s *Server) termsTags(w http.ResponseWriter, raw, verb string) ([]string, bool) {
	if len(s.terms) == 0 {
		s.kapiErrorLocked(w, 403, -3, "Kakao Sync (service terms) is not enabled for this app")
		return nil, false
	}
	tags := splitList(raw, false)
	for _, tag := range tags {
		if _, ok := s.termByTag(tag); !ok {
			s.kapiErrorLocked(w, 400, -2, "There is no tags to "+verb+". check out to configured this tags(["+
				strings.Join(tags, ",")+"]) in app("+strconv.FormatInt(s.AppID, 10)+").")
			return nil, false
		}
	}
	return tags, true
}

func (s *Server) handleServiceTerms(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.authenticate(w, r, userOrAdmin)
	if !ok {
		return
	}
	result := r.Form.Get("result")
	if result == "" {
		result = "agreed_service_terms"
	}
	if result != "agreed_service_terms" && result != "app_service_terms" {
		s.kapiErrorLocked(w, 400, -2, "invalid result: "+result)
		return
	}
	tags, ok := s.termsTags(w, r.Form.Get("tags"), "get service terms")
	if !ok {
		return
	}
	list := []map[string]any{}
	for _, t := range s.terms {
		ag, agreed := c.st.terms[t.Tag]
		if (len(tags) > 0 && !slices.Contains(tags, t.Tag)) || (result == "agreed_service_terms" && !agreed) {
			continue
		}
		e := map[string]any{"tag": t.Tag, "required": t.Required, "agreed": agreed, "revocable": agreed && !t.Required}
		if agreed {
			e["agreed_at"], e["agreed_by"] = rfc3339(ag.at), ag.by
		}
		list = append(list, e)
	}
	out := map[string]any{"id": c.st.ID}
	if len(list) > 0 {
		out["service_terms"] = list
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleRevokeTerms(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, tags, ok := s.termsChange(w, r, "revoke")
	if !ok {
		return
	}
	revoked := []map[string]any{}
	for _, tag := range tags {
		t, _ := s.termByTag(tag)
		if _, agreed := c.st.terms[tag]; agreed && !t.Required {
			delete(c.st.terms, tag)
			revoked = append(revoked, map[string]any{"tag": tag, "agreed": false})
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": c.st.ID, "revoked_service_terms": revoked})
}

func (s *Server) handleUpgradeTerms(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, tags, ok := s.termsChange(w, r, "upgrade")
	if !ok {
		return
	}
	agreed := []map[string]any{}
	now := s.now()
	for _, tag := range tags {
		if _, done := c.st.terms[tag]; done {
			continue
		}
		c.st.terms[tag] = agreement{at: now, by: "KAPI"}
		agreed = append(agreed, map[string]any{"tag": tag, "agreed": true, "agreed_at": rfc3339(now), "agreed_by": "KAPI"})
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": c.st.ID, "agreed_service_terms": agreed})
}

func (s *Server) handleShipping(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.authenticate(w, r, userOrAdmin)
	if !ok {
		return
	}
	q := r.Form
	pageSize, from, addrID := 10, int64(0), int64(0)
	var err error
	if v := q.Get("page_size"); v != "" {
		if pageSize, err = strconv.Atoi(v); err != nil || pageSize < 2 {
			s.kapiErrorLocked(w, 400, -2, "page_size must be an integer of at least 2")
			return
		}
	}
	if v := q.Get("from_updated_at"); v != "" {
		if from, err = strconv.ParseInt(v, 10, 64); err != nil || from < 0 {
			s.kapiErrorLocked(w, 400, -2, "invalid from_updated_at")
			return
		}
	}
	if v := q.Get("address_id"); v != "" {
		if addrID, err = strconv.ParseInt(v, 10, 64); err != nil {
			s.kapiErrorLocked(w, 400, -2, "invalid address_id")
			return
		}
	}
	out := map[string]any{"user_id": c.st.ID}
	if _, configured := s.scopeByID("shipping_address"); !configured {
		s.kapiErrorLocked(w, 403, -3, "shipping_address consent item is not enabled for this app")
		return
	}
	if !c.st.agreed("shipping_address") {
		out["shipping_addresses_needs_agreement"] = true
		writeJSON(w, http.StatusOK, out)
		return
	}
	out["shipping_addresses_needs_agreement"] = false
	addrs := slices.Clone(c.st.Shipping)
	slices.SortStableFunc(addrs, func(a, b ShippingAddress) int {
		switch {
		case a.IsDefault != b.IsDefault && a.IsDefault:
			return -1
		case a.IsDefault != b.IsDefault:
			return 1
		}
		return int(b.UpdatedAt - a.UpdatedAt)
	})
	page := []ShippingAddress{}
	for _, a := range addrs {
		if (addrID != 0 && a.ID != addrID) || (from > 0 && a.UpdatedAt >= from) {
			continue
		}
		if len(page) < pageSize {
			page = append(page, a)
		}
	}
	if len(page) > 0 {
		out["shipping_addresses"] = page
	}
	writeJSON(w, http.StatusOK, out)
}
