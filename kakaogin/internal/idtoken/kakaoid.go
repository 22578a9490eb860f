package idtoken

import (
	"errors"
	"strconv"
)

// ParseKakaoID parses a Kakao service user ID in canonical form: 1–19 ASCII
// digits without sign, space or leading zero, positive, within int64. A
// non-canonical form ("0042") could otherwise name the same user as "42".
func ParseKakaoID(s string) (int64, error) {
	if len(s) == 0 || len(s) > 19 || s[0] == '0' {
		return 0, errors.New("not a Kakao user ID")
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, errors.New("not a Kakao user ID")
		}
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, errors.New("not a Kakao user ID")
	}
	return id, nil
}
