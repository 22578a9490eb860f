package kakaogin

import "github.com/gin-gonic/gin"

// mountManage registers the consent and service-terms management routes.
// Being written.
func (k *Kakao) mountManage(g *gin.RouterGroup) {}
