package kakaotest

import (
	"net/http"
	"slices"
	"strconv"
	"time"
)

func (s *Server) handleUserIDs(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.authenticate(w, r, adminApp); !ok {
		return
	}
	if n := s.beh.UserIDsPerMinute; n > 0 {
		now := s.now()
		s.idsCalls = slices.DeleteFunc(s.idsCalls, func(t time.Time) bool { return now.Sub(t) >= time.Minute })
		if len(s.idsCalls) >= n {
			w.Header().Set("Retry-After", "60")
			s.kapiErrorLocked(w, s.beh.UserIDsLimitStatus, -10, "API limit has been exceeded.")
			return
		}
		s.idsCalls = append(s.idsCalls, now)
	}
	q := r.Form
	limit, order, from := 100, q.Get("order"), int64(0)
	var err error
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > 100 {
			s.kapiErrorLocked(w, 400, -2, "limit must be between 1 and 100")
			return
		}
	}
	if order == "" {
		order = "asc"
	}
	if order != "asc" && order != "desc" {
		s.kapiErrorLocked(w, 400, -2, "order must be asc or desc")
		return
	}
	hasFrom := q.Get("from_id") != ""
	if hasFrom {
		if from, err = strconv.ParseInt(q.Get("from_id"), 10, 64); err != nil {
			s.kapiErrorLocked(w, 400, -2, "invalid from_id")
			return
		}
	}
	var ids []int64
	for id, st := range s.users {
		if st.linked {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	if order == "desc" {
		slices.Reverse(ids)
	}
	start := 0
	if hasFrom {
		start = len(ids)
		for i, id := range ids {
			if (order == "asc" && id >= from) || (order == "desc" && id <= from) {
				start = i
				break
			}
		}
	}
	end := min(start+limit, len(ids))
	page := ids[start:end]
	out := map[string]any{"elements": page, "before_url": nil, "after_url": nil}
	link := func(ord string, fromID int64) string {
		return s.URL + PathUserIDs + "?limit=" + strconv.Itoa(limit) + "&order=" + ord + "&from_id=" + strconv.FormatInt(fromID, 10)
	}
	if end < len(ids) {
		out["after_url"] = link(order, ids[end])
	}
	if start > 0 {
		rev := map[string]string{"asc": "desc", "desc": "asc"}[order]
		out["before_url"] = link(rev, ids[start-1])
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleAppUsers(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.authenticate(w, r, adminApp); !ok {
		return
	}
	q := r.Form
	if q.Get("target_id_type") != "user_id" {
		s.kapiErrorLocked(w, 400, -2, "target_id_type must be user_id")
		return
	}
	ids, ok := parseIDArray(q.Get("target_ids"))
	if !ok || len(ids) == 0 {
		s.kapiErrorLocked(w, 400, -2, "target_ids must be a JSON array of user IDs")
		return
	}
	var keys []string
	if raw := q.Get("property_keys"); raw != "" {
		if keys, ok = parseStringArray(raw); !ok {
			s.kapiErrorLocked(w, 400, -2, "invalid property_keys: must be a JSON string array")
			return
		}
	}
	if len(ids) > 100 || (keys != nil && len(ids) > 20) {
		s.kapiErrorLocked(w, 400, -2, "too many target_ids")
		return
	}
	list := []map[string]any{}
	for _, id := range ids {
		st := s.users[id]
		if st == nil || !st.linked {
			continue
		}
		u, code, msg := s.userJSON(st, keys, true, false) // image URLs on http, as in Kakao's sample
		if code != 0 {
			s.kapiErrorLocked(w, 400, code, msg)
			return
		}
		list = append(list, u)
	}
	if s.beh.AppUsersElements {
		writeJSON(w, http.StatusOK, map[string]any{"elements": list})
		return
	}
	writeJSON(w, http.StatusOK, list)
}
