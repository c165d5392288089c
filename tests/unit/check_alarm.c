/* check_alarm.c - PLACEHOLDER: skipped until its module lands. */
int
main(void)
{
	return 77;
}
