package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The readable names of what Kakao reports in codes: consent-item IDs,
// service-term tags and coded profile values, in Korean and English. Kakao
// answers with display names in the app's console language only, so the
// site keeps its own table for both languages.

// itemTitles are the consent items' titles: ID → {Korean, English}.
var itemTitles = map[string][2]string{
	"profile_nickname": {"닉네임", "Nickname"},
	"profile_image":    {"프로필 사진", "Profile picture"},
	"profile":          {"프로필 정보(닉네임, 프로필 사진)", "Profile (nickname, picture)"},
	"account_email":    {"카카오계정(이메일)", "Kakao Account (email)"},
	"name":             {"이름", "Name"},
	"gender":           {"성별", "Gender"},
	"age_range":        {"연령대", "Age range"},
	"birthday":         {"생일", "Birthday"},
	"birthyear":        {"출생 연도", "Birth year"},
	"phone_number":     {"카카오계정(전화번호)", "Kakao Account (phone number)"},
	"shipping_address": {"배송지 정보", "Shipping addresses"},
	"talk_message":     {"카카오톡 메시지 전송", "Send Kakao Talk messages"},
	"friends":          {"카카오 서비스 내 친구 목록", "Friends in Kakao services"},
	"plusfriends":      {"카카오톡 채널 추가 상태", "Kakao Talk Channel status"},
	"account_ci":       {"연계정보(CI)", "Connecting information (CI)"},
	"legal_name":       {"실명", "Legal name"},
	"legal_birth_date": {"법정 생년월일", "Legal birth date"},
	"legal_gender":     {"법정 성별", "Legal gender"},
	"is_korean":        {"내국인 여부", "Korean national"},
}

// termTitles are the Kakao Sync service terms' titles: tag → {Korean,
// English}. A real app names its own tags in the Kakao Developers console.
var termTitles = map[string][2]string{
	"terms_service":   {"서비스 이용약관", "Terms of service"},
	"terms_privacy":   {"개인정보 수집 및 이용 동의", "Collection and use of personal information"},
	"terms_marketing": {"마케팅 정보 수신 동의", "Receiving marketing information"},
}

// pick is the Korean or English half of a title pair.
func pick(lang string, v [2]string) string {
	if lang == "en" {
		return v[1]
	}
	return v[0]
}

// itemTitle is a consent item's title; an item the table lacks (Kakao adds
// items) is shown by its ID rather than hidden.
func itemTitle(lang, id string) string {
	if v, ok := itemTitles[id]; ok {
		return pick(lang, v)
	}
	return id
}

// termTitle is a service term's title, or its tag when the table lacks it.
func termTitle(lang, tag string) string {
	if v, ok := termTitles[tag]; ok {
		return pick(lang, v)
	}
	return tag
}

// hiddenItems are consent items users never see listed: openid is how the
// app asks for an ID token, not data about the user, and comes and goes
// with each consent.
var hiddenItems = map[string]bool{"openid": true}

// itemTitlesOf lists the titles of items, without the hidden ones.
func itemTitlesOf(lang string, items []string) []string {
	out := make([]string, 0, len(items))
	for _, id := range items {
		if !hiddenItems[id] {
			out = append(out, itemTitle(lang, id))
		}
	}
	return out
}

// kst is Korea Standard Time (UTC+9, no daylight saving), fixed so that the
// site needs no time-zone database.
var kst = time.FixedZone("KST", 9*3600)

// kstTime is the one format of every time the site shows.
func kstTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(kst).Format("2006-01-02 15:04 KST")
}

// genderWord is a gender code (female, male) in words.
func genderWord(lang, g string) string {
	switch strings.ToLower(g) {
	case "female":
		return pick(lang, [2]string{"여성", "Female"})
	case "male":
		return pick(lang, [2]string{"남성", "Male"})
	}
	return g
}

// ageRangeWords is an age range code ("30~39", "15~19", "90~") in words.
func ageRangeWords(lang, r string) string {
	lo, hi, ok := strings.Cut(r, "~")
	l, err := strconv.Atoi(lo)
	if !ok || err != nil {
		return r
	}
	if hi == "" {
		return pick(lang, [2]string{fmt.Sprintf("%d세 이상", l), fmt.Sprintf("%d or older", l)})
	}
	h, err := strconv.Atoi(hi)
	if err != nil {
		return r
	}
	if l%10 == 0 && h == l+9 && l > 0 {
		return pick(lang, [2]string{fmt.Sprintf("%d대", l), fmt.Sprintf("%ds", l)})
	}
	return pick(lang, [2]string{fmt.Sprintf("%d~%d세", l, h), fmt.Sprintf("%d to %d", l, h)})
}

// birthdayWords is a birthday (MMDD, solar or lunar, maybe a leap month)
// in words.
func birthdayWords(lang, mmdd, kind string, leap bool) string {
	m, err1 := strconv.Atoi(mmdd[:min(2, len(mmdd))])
	d, err2 := strconv.Atoi(mmdd[min(2, len(mmdd)):])
	if len(mmdd) != 4 || err1 != nil || err2 != nil || m < 1 || m > 12 || d < 1 || d > 31 {
		return mmdd
	}
	var s string
	if lang == "en" {
		s = time.Month(m).String() + " " + strconv.Itoa(d)
	} else {
		s = fmt.Sprintf("%d월 %d일", m, d)
	}
	var notes []string
	switch strings.ToUpper(kind) {
	case "SOLAR":
		notes = append(notes, pick(lang, [2]string{"양력", "solar calendar"}))
	case "LUNAR":
		notes = append(notes, pick(lang, [2]string{"음력", "lunar calendar"}))
	}
	if leap {
		notes = append(notes, pick(lang, [2]string{"윤달", "leap month"}))
	}
	if len(notes) > 0 {
		s += " (" + strings.Join(notes, ", ") + ")"
	}
	return s
}

// birthyearWords is a birth year in words.
func birthyearWords(lang, y string) string {
	if _, err := strconv.Atoi(y); err != nil || lang == "en" {
		return y
	}
	return y + "년"
}

// yesNoWords is a Kakao boolean in words ("" when Kakao did not say).
func yesNoWords(lang string, b *bool) string {
	switch {
	case b == nil:
		return ""
	case *b:
		return pick(lang, [2]string{"예", "Yes"})
	}
	return pick(lang, [2]string{"아니요", "No"})
}
