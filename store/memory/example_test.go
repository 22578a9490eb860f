package memory_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kakaologin/kakaologin/store"
	"github.com/kakaologin/kakaologin/store/memory"
)

func inHour() time.Time { return time.Now().Add(time.Hour) }

func ExampleNew() {
	ctx := context.Background()
	st := memory.New()
	defer st.Close()

	_ = st.Commit(ctx, "hashed-token", []byte("session data"), inHour())
	_ = st.AddUserSession(ctx, "user-1", "hashed-token", inHour())

	// Logout everywhere: the session ends and cannot be saved again.
	n, _ := st.RevokeUser(ctx, "user-1")
	err := st.Commit(ctx, "hashed-token", []byte("late save"), inHour())
	fmt.Println(n, errors.Is(err, store.ErrRevoked))
	// Output: 1 true
}

func ExampleBackend() {
	st, err := store.Open(context.Background(), "memory:", memory.Backend)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer st.Close()
	fmt.Println(st.Ping(context.Background()))
	// Output: <nil>
}
