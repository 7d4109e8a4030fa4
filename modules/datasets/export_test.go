package datasets

// SetFeedbackPage makes the corrections be read n at a time, until the
// returned function restores the size.
func SetFeedbackPage(n int) (restore func()) {
	was := feedbackPage
	feedbackPage = n
	return func() { feedbackPage = was }
}
