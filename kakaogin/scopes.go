package kakaogin

// knownScope reports whether id is one of Kakao's consent-item (scope) IDs.
// Config.Scopes may name only these, so that a typo fails at startup
// instead of as KOE205 at every login.
func knownScope(id string) bool {
	switch id {
	case "profile_nickname", "profile_image", "profile", "account_email", "name", "gender",
		"age_range", "birthday", "birthyear", "phone_number", "account_ci",
		"legal_name", "legal_birth_date", "legal_gender", "shipping_address",
		"talk_message", "friends", "plusfriends", "talk_calendar", "openid", "story_permalink":
		return true
	}
	return false
}

// scopeParam returns the scope parameter of an authorization request:
// openid first (Kakao issues no ID token without it), then items in order
// without duplicates.
func scopeParam(items []string) []string {
	out := make([]string, 0, len(items)+1)
	out = append(out, "openid")
	for _, s := range items {
		dup := false
		for _, o := range out {
			if o == s {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, s)
		}
	}
	return out
}
