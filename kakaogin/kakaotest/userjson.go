package kakaotest

import (
	"slices"
	"strconv"
	"strings"
)

// accountGroups returns the kakao_account property_keys groups and the consent
// items behind them.
func accountGroups() map[string][]string {
	return map[string][]string{
		"profile":      {"profile_nickname", "profile_image", "profile"},
		"name":         {"name"},
		"email":        {"account_email"},
		"age_range":    {"age_range"},
		"birthday":     {"birthday"},
		"birthyear":    {"birthyear"},
		"gender":       {"gender"},
		"phone_number": {"phone_number"},
		"ci":           {"account_ci"},
	}
}

// userJSON renders a user like /v2/user/me. With filtered set, only
// id, connected_at, synched_at and what keys ask for are included. A
// non-zero code is a kapi error for a bad key. Hold s.mu.
func (s *Server) userJSON(st *userState, keys []string, filtered, secure bool) (map[string]any, int, string) {
	for _, k := range keys {
		switch {
		case k == "id", k == "has_signed_up", k == "connected_at", k == "synched_at", k == "for_partner.uuid",
			k == "kakao_account.", k == "properties.":
		case strings.HasPrefix(k, "kakao_account."):
			if _, ok := accountGroups()[strings.TrimPrefix(k, "kakao_account.")]; !ok {
				return nil, -2, "invalid property_keys: " + k
			}
		case strings.HasPrefix(k, "properties."):
			if !s.propertyKeys[strings.TrimPrefix(k, "properties.")] {
				return nil, -201, "user property not found ([" + strings.TrimPrefix(k, "properties.") + "] for appId=" + strconv.FormatInt(s.AppID, 10) + ")"
			}
		default:
			return nil, -2, "invalid property_keys: " + k
		}
	}
	want := func(k string) bool { return !filtered || slices.Contains(keys, k) }
	out := map[string]any{"id": st.ID}
	if !st.connectedAt.IsZero() {
		out["connected_at"] = rfc3339(st.connectedAt)
	}
	if !st.synchedAt.IsZero() {
		out["synched_at"] = rfc3339(st.synchedAt)
	}
	preRegistered := !s.beh.AutoLink && !st.signedUp
	if !s.beh.AutoLink && (want("has_signed_up") || !filtered) {
		out["has_signed_up"] = st.signedUp
	}
	if (want("for_partner.uuid")) && st.UUID != "" && st.agreed("talk_message") {
		out["for_partner"] = map[string]any{"uuid": st.UUID}
	}
	if len(st.props) > 0 && !preRegistered {
		props := map[string]string{}
		for k, v := range st.props {
			if want("properties.") || want("properties."+k) {
				props[k] = v
			}
		}
		if len(props) > 0 {
			out["properties"] = props
		}
	}
	acct := map[string]any{}
	for group := range accountGroups() {
		if preRegistered && group != "profile" && group != "email" {
			continue
		}
		if want("kakao_account.") || want("kakao_account."+group) {
			s.addGroup(acct, st, group, secure)
		}
	}
	if len(acct) > 0 {
		out["kakao_account"] = acct
	}
	return out, 0, ""
}

// addGroup adds one kakao_account group as consented. Hold s.mu.
func (s *Server) addGroup(a map[string]any, st *userState, group string, secure bool) {
	flag := func(scope, key string) (configured, agreed bool) {
		if _, ok := s.scopeByID(scope); !ok {
			return false, false
		}
		agreed = st.agreed(scope)
		a[key] = !agreed
		return true, agreed
	}
	img := func(u string) string { return imageURL(u, secure) }
	legacy := s.beh.LegacyHasFlags
	switch group {
	case "profile":
		p := map[string]any{}
		_, nick := flag("profile_nickname", "profile_nickname_needs_agreement")
		_, pic := flag("profile_image", "profile_image_needs_agreement")
		if _, old := flag("profile", "profile_needs_agreement"); old {
			nick, pic = true, true
		}
		if nick && st.Nickname != "" {
			p["nickname"], p["is_default_nickname"] = st.Nickname, st.IsDefaultNickname
		}
		if pic && st.ProfileImageURL != "" {
			p["thumbnail_image_url"], p["profile_image_url"] = img(st.ThumbnailImageURL), img(st.ProfileImageURL)
			p["is_default_image"] = st.IsDefaultImage
		}
		if len(p) > 0 {
			a["profile"] = p
		}
	case "email":
		if conf, ok := flag("account_email", "email_needs_agreement"); conf {
			if legacy {
				a["has_email"] = st.Email != ""
			}
			if ok && st.Email != "" {
				a["email"], a["is_email_valid"], a["is_email_verified"] = st.Email, st.EmailValid, st.EmailVerified
			}
		}
	case "birthday":
		if conf, ok := flag("birthday", "birthday_needs_agreement"); conf {
			if legacy {
				a["has_birthday"] = st.Birthday != ""
			}
			if ok && st.Birthday != "" {
				a["birthday"], a["birthday_type"], a["is_leap_month"] = st.Birthday, st.BirthdayType, st.IsLeapMonth
			}
		}
	case "ci":
		if _, ok := flag("account_ci", "ci_needs_agreement"); ok && st.CI != "" {
			a["ci"] = st.CI
			if !st.CIAuthenticatedAt.IsZero() {
				a["ci_authenticated_at"] = rfc3339(st.CIAuthenticatedAt)
			}
		}
	default:
		s.addSimple(a, st, group, legacy)
	}
}

// imageURL is a profile image URL as Kakao sends it: on http unless the
// request asked for secure_resource, as in Kakao's samples of /v2/user/me,
// /v2/app/users and the ID token's picture.
func imageURL(u string, secure bool) string {
	if !secure {
		return strings.Replace(u, "https://", "http://", 1)
	}
	return u
}

// addSimple adds a one-value group (name, gender, age_range, …). Hold s.mu.
func (s *Server) addSimple(a map[string]any, st *userState, group string, legacy bool) {
	scope := accountGroups()[group][0]
	if _, ok := s.scopeByID(scope); !ok {
		return
	}
	v := map[string]string{"name": st.Name, "gender": st.Gender, "age_range": st.AgeRange,
		"birthyear": st.Birthyear, "phone_number": st.PhoneNumber}[group]
	agreed := st.agreed(scope)
	a[group+"_needs_agreement"] = !agreed
	if legacy && group != "name" {
		a["has_"+group] = v != ""
	}
	if agreed && v != "" {
		a[group] = v
	}
}
