/* codes.c - SIA DC-03 and Contact ID event-code tables: code -> class, qualifier, text, priority. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "codes.h"

/*
 * Default priority by class: life safety first, then intrusion, tamper,
 * technical, and routine reports last.  A restore is one level lower.
 */
#define PRIO_NEW(c)							\
	((c) == EVC_FIRE || (c) == EVC_PANIC || (c) == EVC_MEDICAL ? 1 :	\
	 (c) == EVC_BURGLARY ? 2 :						\
	 (c) == EVC_TAMPER ? 3 :						\
	 (c) == EVC_SUPERVISORY || (c) == EVC_TROUBLE ? 5 :			\
	 (c) == EVC_OPENCLOSE || (c) == EVC_TEST ? 8 : 6)
#define PRIO(c, q)	(PRIO_NEW(c) + ((q) == EVQ_RESTORE ? 1 : 0))

/* Table entry shorthands: Z a zone number follows, U a user number, A an area. */
#define SZ(code, cls, q, text)	{ code, cls, q, CODE_UNIT_ZONE, PRIO(cls, q), text }
#define SU(code, cls, q, text)	{ code, cls, q, CODE_UNIT_USER, PRIO(cls, q), text }
#define SA(code, cls, q, text)	{ code, cls, q, CODE_UNIT_AREA, PRIO(cls, q), text }
#define CZ(code, cls, text)	{ code, cls, EVQ_NEW, CODE_UNIT_ZONE, PRIO(cls, EVQ_NEW), text }
#define CU(code, cls, text)	{ code, cls, EVQ_NEW, CODE_UNIT_USER, PRIO(cls, EVQ_NEW), text }

#define N	EVQ_NEW
#define R	EVQ_RESTORE
#define S	EVQ_STATUS
#define BUR	EVC_BURGLARY
#define FIR	EVC_FIRE
#define PAN	EVC_PANIC
#define MED	EVC_MEDICAL
#define TAM	EVC_TAMPER
#define TRB	EVC_TROUBLE
#define SUP	EVC_SUPERVISORY
#define OC	EVC_OPENCLOSE
#define TST	EVC_TEST
#define OTH	EVC_OTHER

/*
 * SIA DC-03 two-letter codes, sorted by code (bsearch).  Bypass and
 * unbypass are class other: they change what is armed, they are no alarm.
 */
static const struct code_info sia_table[] = {
	SZ("AR", TRB, R, "AC power restored"),
	SZ("AT", TRB, N, "AC power failure"),
	SZ("BA", BUR, N, "Burglary alarm"),
	SZ("BB", OTH, N, "Burglary bypass"),
	SU("BC", OC, S, "Burglary cancel"),
	SZ("BD", TRB, N, "Swinger trouble"),
	SZ("BE", TRB, R, "Swinger trouble restore"),
	SZ("BG", BUR, N, "Unverified burglary event"),
	SZ("BH", BUR, R, "Burglary alarm restore"),
	SZ("BJ", TRB, R, "Burglary trouble restore"),
	SZ("BM", BUR, N, "Burglary alarm, cross point"),
	SZ("BR", BUR, R, "Burglary restore"),
	SZ("BS", SUP, N, "Burglary supervisory"),
	SZ("BT", TRB, N, "Burglary trouble"),
	SZ("BU", OTH, R, "Burglary unbypass"),
	SZ("BV", BUR, N, "Burglary verified"),
	SZ("BX", TST, N, "Burglary test"),
	SZ("BZ", SUP, N, "Missing supervision"),
	SA("CA", OC, R, "Automatic closing"),
	SA("CD", OC, N, "Closing delinquent"),
	SU("CE", OC, S, "Closing extended"),
	SU("CF", OC, R, "Forced closing"),
	SA("CG", OC, R, "Close area"),
	SA("CI", OC, N, "Fail to close"),
	SU("CJ", OC, R, "Late closing"),
	SU("CK", OC, R, "Early closing"),
	SU("CL", OC, R, "Closing"),
	SZ("CM", BUR, N, "Missing alarm, recent closing"),
	SU("CP", OC, R, "Automatic closing"),
	SU("CQ", OC, R, "Remote closing"),
	SU("CR", OC, R, "Recent closing"),
	SZ("CS", OC, R, "Closing keyswitch"),
	SA("CT", OC, N, "Late to open"),
	SA("CW", OC, S, "Was force armed"),
	SZ("CZ", OC, R, "Point closing"),
	SZ("DC", OTH, R, "Access closed"),
	SZ("DD", OTH, N, "Access denied"),
	SZ("DF", BUR, N, "Door forced"),
	SZ("DG", OTH, N, "Access granted"),
	SZ("DK", TAM, N, "Access lockout"),
	SZ("DO", OTH, N, "Access open"),
	SZ("DR", OTH, R, "Door restore"),
	SZ("DS", OTH, N, "Door station"),
	SZ("DT", TRB, N, "Access trouble"),
	SZ("EA", BUR, N, "Exit alarm"),
	SZ("ER", TRB, R, "Expansion module restore"),
	SZ("ES", TAM, N, "Expansion module tamper"),
	SZ("ET", TRB, N, "Expansion module trouble"),
	SZ("FA", FIR, N, "Fire alarm"),
	SZ("FB", OTH, N, "Fire bypass"),
	SU("FC", OC, S, "Fire cancel"),
	SZ("FH", FIR, R, "Fire alarm restore"),
	SU("FI", TST, N, "Fire test begin"),
	SZ("FJ", TRB, R, "Fire trouble restore"),
	SU("FK", TST, R, "Fire test end"),
	SZ("FM", FIR, N, "Fire alarm, cross point"),
	SZ("FR", FIR, R, "Fire restore"),
	SZ("FS", SUP, N, "Fire supervisory"),
	SZ("FT", TRB, N, "Fire trouble"),
	SZ("FU", OTH, R, "Fire unbypass"),
	SZ("FV", SUP, R, "Fire supervisory restore"),
	SZ("FX", TST, N, "Fire test"),
	SZ("FY", TRB, N, "Missing fire trouble"),
	SZ("FZ", SUP, N, "Missing fire supervision"),
	SZ("GA", FIR, N, "Gas alarm"),
	SZ("GB", OTH, N, "Gas bypass"),
	SZ("GH", FIR, R, "Gas alarm restore"),
	SZ("GJ", TRB, R, "Gas trouble restore"),
	SZ("GR", FIR, R, "Gas restore"),
	SZ("GS", SUP, N, "Gas supervisory"),
	SZ("GT", TRB, N, "Gas trouble"),
	SZ("GU", OTH, R, "Gas unbypass"),
	SZ("GX", TST, N, "Gas test"),
	SZ("HA", PAN, N, "Hold-up alarm"),
	SZ("HB", OTH, N, "Hold-up bypass"),
	SZ("HH", PAN, R, "Hold-up alarm restore"),
	SZ("HJ", TRB, R, "Hold-up trouble restore"),
	SZ("HR", PAN, R, "Hold-up restore"),
	SZ("HS", SUP, N, "Hold-up supervisory"),
	SZ("HT", TRB, N, "Hold-up trouble"),
	SZ("HU", OTH, R, "Hold-up unbypass"),
	SU("JA", TAM, N, "User code tamper"),
	SU("JD", OTH, N, "Date changed"),
	SU("JH", OTH, N, "Holiday changed"),
	SU("JK", OTH, N, "Latchkey alert"),
	SZ("JL", OTH, N, "Event log threshold"),
	SZ("JO", OTH, N, "Event log overflow"),
	SU("JP", OC, N, "User on premises"),
	SZ("JR", OTH, N, "Schedule executed"),
	SU("JS", OTH, N, "Schedule changed"),
	SU("JT", OTH, N, "Time changed"),
	SU("JV", OTH, N, "User code changed"),
	SU("JX", OTH, N, "User code deleted"),
	SU("JY", OTH, N, "User code added"),
	SZ("KA", FIR, N, "Heat alarm"),
	SZ("KB", OTH, N, "Heat bypass"),
	SZ("KH", FIR, R, "Heat alarm restore"),
	SZ("KJ", TRB, R, "Heat trouble restore"),
	SZ("KR", FIR, R, "Heat restore"),
	SZ("KS", SUP, N, "Heat supervisory"),
	SZ("KT", TRB, N, "Heat trouble"),
	SZ("KU", OTH, R, "Heat unbypass"),
	SU("LB", OTH, N, "Local programming begin"),
	SU("LD", TAM, N, "Local programming denied"),
	SZ("LE", OTH, R, "Listen-in ended"),
	SZ("LF", OTH, N, "Listen-in begin"),
	SZ("LR", TRB, R, "Phone line restore"),
	SU("LS", OTH, N, "Local programming success"),
	SZ("LT", TRB, N, "Phone line trouble"),
	SU("LU", OTH, N, "Local programming failed"),
	SU("LX", OTH, R, "Local programming ended"),
	SZ("MA", MED, N, "Medical alarm"),
	SZ("MB", OTH, N, "Medical bypass"),
	SZ("MH", MED, R, "Medical alarm restore"),
	SZ("MJ", TRB, R, "Medical trouble restore"),
	SZ("MR", MED, R, "Medical restore"),
	SZ("MS", SUP, N, "Medical supervisory"),
	SZ("MT", TRB, N, "Medical trouble"),
	SZ("MU", OTH, R, "Medical unbypass"),
	SZ("NA", SUP, N, "No activity"),
	SA("NF", OC, R, "Forced perimeter arm"),
	SA("NL", OC, R, "Perimeter armed"),
	SZ("NR", TRB, R, "Network restore"),
	SZ("NS", SUP, R, "Activity resumed"),
	SZ("NT", TRB, N, "Network failure"),
	SA("OA", OC, N, "Automatic opening"),
	SU("OC", OC, N, "Cancel report"),
	SA("OG", OC, N, "Open area"),
	SU("OH", OC, N, "Early opening from alarm"),
	SA("OI", OC, N, "Fail to open"),
	SU("OJ", OC, N, "Late opening"),
	SU("OK", OC, N, "Early opening"),
	SU("OL", OC, N, "Late opening from alarm"),
	SU("OP", OC, N, "Opening"),
	SU("OQ", OC, N, "Remote opening"),
	SU("OR", OC, N, "Disarm from alarm"),
	SZ("OS", OC, N, "Opening keyswitch"),
	SU("OT", OC, N, "Late to close"),
	SZ("OU", TRB, N, "Output trouble"),
	SZ("OV", TRB, R, "Output restore"),
	SZ("OZ", OC, N, "Point opening"),
	SZ("PA", PAN, N, "Panic alarm"),
	SZ("PB", OTH, N, "Panic bypass"),
	SZ("PH", PAN, R, "Panic alarm restore"),
	SZ("PJ", TRB, R, "Panic trouble restore"),
	SZ("PR", PAN, R, "Panic restore"),
	SZ("PS", SUP, N, "Panic supervisory"),
	SZ("PT", TRB, N, "Panic trouble"),
	SZ("PU", OTH, R, "Panic unbypass"),
	SZ("QA", MED, N, "Emergency alarm"),
	SZ("QB", OTH, N, "Emergency bypass"),
	SZ("QH", MED, R, "Emergency alarm restore"),
	SZ("QJ", TRB, R, "Emergency trouble restore"),
	SZ("QR", MED, R, "Emergency restore"),
	SZ("QS", SUP, N, "Emergency supervisory"),
	SZ("QT", TRB, N, "Emergency trouble"),
	SZ("QU", OTH, R, "Emergency unbypass"),
	SZ("RA", TRB, N, "Remote programmer call failed"),
	SU("RB", OTH, N, "Remote programming begin"),
	SZ("RC", OTH, N, "Relay closed"),
	SU("RD", TAM, N, "Remote programming denied"),
	SU("RN", OTH, N, "Remote reset"),
	SZ("RO", OTH, R, "Relay open"),
	SZ("RP", TST, N, "Automatic test"),
	SZ("RR", TRB, R, "Power up"),
	SU("RS", OTH, N, "Remote programming success"),
	SZ("RT", TRB, N, "Data lost"),
	SU("RU", OTH, N, "Remote programming failed"),
	SU("RX", TST, N, "Manual test"),
	SZ("RY", TST, S, "Test off normal"),
	SZ("SA", FIR, N, "Sprinkler alarm"),
	SZ("SB", OTH, N, "Sprinkler bypass"),
	SZ("SH", FIR, R, "Sprinkler alarm restore"),
	SZ("SJ", TRB, R, "Sprinkler trouble restore"),
	SZ("SR", FIR, R, "Sprinkler restore"),
	SZ("SS", SUP, N, "Sprinkler supervisory"),
	SZ("ST", TRB, N, "Sprinkler trouble"),
	SZ("SU", OTH, R, "Sprinkler unbypass"),
	SZ("TA", TAM, N, "Tamper alarm"),
	SZ("TB", OTH, N, "Tamper bypass"),
	SZ("TC", TST, N, "All points tested"),
	SU("TE", TST, R, "Test end"),
	SZ("TH", TAM, R, "Tamper alarm restore"),
	SZ("TJ", TRB, R, "Tamper trouble restore"),
	SZ("TR", TAM, R, "Tamper restore"),
	SU("TS", TST, N, "Test start"),
	SZ("TT", TRB, N, "Tamper trouble"),
	SZ("TU", OTH, R, "Tamper unbypass"),
	SZ("TX", TST, N, "Test report"),
	SZ("UA", BUR, N, "Untyped zone alarm"),
	SZ("UB", OTH, N, "Untyped zone bypass"),
	SZ("UH", BUR, R, "Untyped alarm restore"),
	SZ("UJ", TRB, R, "Untyped zone trouble restore"),
	SZ("UR", BUR, R, "Untyped zone restore"),
	SZ("US", SUP, N, "Untyped zone supervisory"),
	SZ("UT", TRB, N, "Untyped zone trouble"),
	SZ("UU", OTH, R, "Untyped zone unbypass"),
	SZ("UX", OTH, N, "Undefined alarm"),
	SZ("UY", TRB, N, "Untyped missing trouble"),
	SZ("UZ", SUP, N, "Untyped missing alarm"),
	SZ("VI", OTH, R, "Printer paper in"),
	SZ("VO", TRB, N, "Printer paper out"),
	SZ("VR", TRB, R, "Printer restore"),
	SZ("VT", TRB, N, "Printer trouble"),
	SZ("VX", TST, N, "Printer test"),
	SZ("VY", OTH, R, "Printer online"),
	SZ("VZ", TRB, N, "Printer offline"),
	SZ("WA", OTH, N, "Water alarm"),
	SZ("WB", OTH, N, "Water bypass"),
	SZ("WH", OTH, R, "Water alarm restore"),
	SZ("WJ", TRB, R, "Water trouble restore"),
	SZ("WR", OTH, R, "Water restore"),
	SZ("WS", SUP, N, "Water supervisory"),
	SZ("WT", TRB, N, "Water trouble"),
	SZ("WU", OTH, R, "Water unbypass"),
	SZ("XE", OTH, N, "Extra point"),
	SZ("XF", OTH, N, "Extra RF point"),
	SU("XI", OTH, N, "Sensor reset"),
	SZ("XR", TRB, R, "Transmitter battery restore"),
	SZ("XT", TRB, N, "Transmitter battery trouble"),
	SZ("XW", OTH, N, "Forced point"),
	SZ("YA", TRB, N, "Bell fault"),
	SZ("YB", TRB, N, "Busy seconds"),
	SZ("YC", TRB, N, "Communication failure"),
	SZ("YD", TRB, N, "Receiver line card trouble"),
	SZ("YE", TRB, R, "Receiver line card restore"),
	SZ("YF", TRB, N, "Parameter checksum failure"),
	SZ("YG", OTH, N, "Parameter changed"),
	SZ("YH", TRB, R, "Bell restore"),
	SZ("YI", TRB, N, "Overcurrent trouble"),
	SZ("YJ", TRB, R, "Overcurrent restore"),
	SZ("YK", TRB, R, "Communication restore"),
	SZ("YM", TRB, N, "System battery missing"),
	SZ("YN", TRB, N, "Invalid report"),
	SZ("YO", TRB, N, "Unknown message"),
	SZ("YP", TRB, N, "Power supply trouble"),
	SZ("YQ", TRB, R, "Power supply restore"),
	SZ("YR", TRB, R, "System battery restore"),
	SZ("YS", TRB, N, "Communication trouble"),
	SZ("YT", TRB, N, "System battery trouble"),
	SZ("YU", TRB, N, "Diagnostic error"),
	SZ("YW", TRB, N, "Watchdog reset"),
	SZ("YX", TRB, N, "Service required"),
	SZ("YY", OTH, S, "Status report"),
	SZ("YZ", OTH, R, "Service completed"),
	SZ("ZA", OTH, N, "Freeze alarm"),
	SZ("ZB", OTH, N, "Freeze bypass"),
	SZ("ZH", OTH, R, "Freeze alarm restore"),
	SZ("ZJ", TRB, R, "Freeze trouble restore"),
	SZ("ZR", OTH, R, "Freeze restore"),
	SZ("ZS", SUP, N, "Freeze supervisory"),
	SZ("ZT", TRB, N, "Freeze trouble"),
	SZ("ZU", OTH, R, "Freeze unbypass"),
};

/*
 * Contact ID (SIA DC-05) codes, sorted by code; every code is three digits
 * so string order is numeric order.  The qualifier digit of the message
 * gives new/restore/status, so every entry here is EVQ_NEW.
 */
static const struct code_info cid_table[] = {
	CZ("100", MED, "Medical"),
	CZ("101", MED, "Medical - personal emergency"),
	CZ("102", MED, "Medical - fail to report in"),
	CZ("110", FIR, "Fire"),
	CZ("111", FIR, "Fire - smoke"),
	CZ("112", FIR, "Fire - combustion"),
	CZ("113", FIR, "Fire - water flow"),
	CZ("114", FIR, "Fire - heat"),
	CZ("115", FIR, "Fire - pull station"),
	CZ("116", FIR, "Fire - duct"),
	CZ("117", FIR, "Fire - flame"),
	CZ("118", FIR, "Fire - near alarm"),
	CZ("120", PAN, "Panic"),
	CU("121", PAN, "Panic - duress"),
	CZ("122", PAN, "Panic - silent"),
	CZ("123", PAN, "Panic - audible"),
	CZ("124", PAN, "Panic - duress, access granted"),
	CZ("125", PAN, "Panic - duress, egress granted"),
	CZ("126", PAN, "Panic - hold-up suspicion print"),
	CZ("130", BUR, "Burglary"),
	CZ("131", BUR, "Burglary - perimeter"),
	CZ("132", BUR, "Burglary - interior"),
	CZ("133", BUR, "Burglary - 24-hour (safe)"),
	CZ("134", BUR, "Burglary - entry/exit"),
	CZ("135", BUR, "Burglary - day/night"),
	CZ("136", BUR, "Burglary - outdoor"),
	CZ("137", TAM, "Burglary - tamper"),
	CZ("138", BUR, "Burglary - near alarm"),
	CZ("139", BUR, "Burglary - intrusion verifier"),
	CZ("140", BUR, "General alarm"),
	CZ("141", TRB, "General alarm - polling loop open"),
	CZ("142", TRB, "General alarm - polling loop short"),
	CZ("143", TRB, "General alarm - expansion module failure"),
	CZ("144", TAM, "General alarm - sensor tamper"),
	CZ("145", TAM, "General alarm - expansion module tamper"),
	CZ("146", BUR, "Burglary - silent"),
	CZ("147", SUP, "Sensor supervision failure"),
	CZ("150", OTH, "24-hour non-burglary"),
	CZ("151", FIR, "24-hour - gas detected"),
	CZ("152", OTH, "24-hour - refrigeration"),
	CZ("153", OTH, "24-hour - loss of heat"),
	CZ("154", OTH, "24-hour - water leakage"),
	CZ("155", BUR, "24-hour - foil break"),
	CZ("156", TRB, "24-hour - day trouble"),
	CZ("157", OTH, "24-hour - low bottled gas level"),
	CZ("158", OTH, "24-hour - high temperature"),
	CZ("159", OTH, "24-hour - low temperature"),
	CZ("161", OTH, "24-hour - loss of air flow"),
	CZ("162", FIR, "24-hour - carbon monoxide detected"),
	CZ("163", OTH, "24-hour - tank level"),
	CZ("200", SUP, "Fire supervisory"),
	CZ("201", SUP, "Fire supervisory - low water pressure"),
	CZ("202", SUP, "Fire supervisory - low CO2"),
	CZ("203", SUP, "Fire supervisory - gate valve sensor"),
	CZ("204", SUP, "Fire supervisory - low water level"),
	CZ("205", SUP, "Fire supervisory - pump activated"),
	CZ("206", SUP, "Fire supervisory - pump failure"),
	CZ("300", TRB, "System trouble"),
	CZ("301", TRB, "System trouble - AC loss"),
	CZ("302", TRB, "System trouble - low system battery"),
	CZ("303", TRB, "System trouble - RAM checksum bad"),
	CZ("304", TRB, "System trouble - ROM checksum bad"),
	CZ("305", TRB, "System trouble - system reset"),
	CZ("306", OTH, "Panel programming changed"),
	CZ("307", TRB, "System trouble - self-test failure"),
	CZ("308", TRB, "System trouble - system shutdown"),
	CZ("309", TRB, "System trouble - battery test failure"),
	CZ("310", TRB, "System trouble - ground fault"),
	CZ("311", TRB, "System trouble - battery missing/dead"),
	CZ("312", TRB, "System trouble - power supply overcurrent"),
	CU("313", OTH, "Engineer reset"),
	CZ("320", TRB, "Sounder/relay trouble"),
	CZ("321", TRB, "Sounder/relay - bell 1"),
	CZ("322", TRB, "Sounder/relay - bell 2"),
	CZ("323", TRB, "Sounder/relay - alarm relay"),
	CZ("324", TRB, "Sounder/relay - trouble relay"),
	CZ("325", TRB, "Sounder/relay - reversing relay"),
	CZ("326", TRB, "Sounder/relay - notification appliance 3"),
	CZ("327", TRB, "Sounder/relay - notification appliance 4"),
	CZ("330", TRB, "System peripheral trouble"),
	CZ("331", TRB, "Peripheral - polling loop open"),
	CZ("332", TRB, "Peripheral - polling loop short"),
	CZ("333", TRB, "Peripheral - expansion module failure"),
	CZ("334", TRB, "Peripheral - repeater failure"),
	CZ("335", TRB, "Peripheral - local printer out of paper"),
	CZ("336", TRB, "Peripheral - local printer failure"),
	CZ("337", TRB, "Peripheral - expansion module DC loss"),
	CZ("338", TRB, "Peripheral - expansion module low battery"),
	CZ("339", TRB, "Peripheral - expansion module reset"),
	CZ("341", TAM, "Peripheral - expansion module tamper"),
	CZ("342", TRB, "Peripheral - expansion module AC loss"),
	CZ("343", TRB, "Peripheral - expansion module self-test failure"),
	CZ("344", TRB, "Peripheral - RF receiver jam detected"),
	CZ("350", TRB, "Communication trouble"),
	CZ("351", TRB, "Communication - telco 1 fault"),
	CZ("352", TRB, "Communication - telco 2 fault"),
	CZ("353", TRB, "Communication - long range radio fault"),
	CZ("354", TRB, "Communication - failure to communicate event"),
	CZ("355", SUP, "Communication - loss of radio supervision"),
	CZ("356", SUP, "Communication - loss of central polling"),
	CZ("357", TRB, "Communication - long range radio VSWR problem"),
	CZ("370", TRB, "Protection loop trouble"),
	CZ("371", TRB, "Protection loop open"),
	CZ("372", TRB, "Protection loop short"),
	CZ("373", TRB, "Fire trouble"),
	CZ("374", BUR, "Exit error alarm"),
	CZ("375", TRB, "Panic zone trouble"),
	CZ("376", TRB, "Hold-up zone trouble"),
	CZ("377", TRB, "Swinger trouble"),
	CZ("378", TRB, "Cross-zone trouble"),
	CZ("380", TRB, "Sensor trouble"),
	CZ("381", SUP, "Sensor - loss of RF supervision"),
	CZ("382", SUP, "Sensor - loss of RPM supervision"),
	CZ("383", TAM, "Sensor - tamper"),
	CZ("384", TRB, "Sensor - RF low battery"),
	CZ("385", TRB, "Sensor - smoke detector high sensitivity"),
	CZ("386", TRB, "Sensor - smoke detector low sensitivity"),
	CZ("387", TRB, "Sensor - intrusion detector high sensitivity"),
	CZ("388", TRB, "Sensor - intrusion detector low sensitivity"),
	CZ("389", TRB, "Sensor - self-test failure"),
	CZ("391", TRB, "Sensor - watch trouble"),
	CZ("392", TRB, "Sensor - drift compensation error"),
	CZ("393", TRB, "Sensor - maintenance alert"),
	CU("400", OC, "Open/close"),
	CU("401", OC, "Open/close by user"),
	CU("402", OC, "Group open/close"),
	CU("403", OC, "Automatic open/close"),
	CU("404", OC, "Late to open/close"),
	CU("405", OC, "Deferred open/close"),
	CU("406", OC, "Cancel"),
	CU("407", OC, "Remote arm/disarm"),
	CU("408", OC, "Quick arm"),
	CZ("409", OC, "Keyswitch open/close"),
	CU("411", OTH, "Remote access - callback request"),
	CU("412", OTH, "Remote access - successful download"),
	CU("413", TAM, "Remote access - unsuccessful access"),
	CU("414", OTH, "Remote access - system shutdown command"),
	CU("415", OTH, "Remote access - dialer shutdown command"),
	CU("416", OTH, "Remote access - successful upload"),
	CU("421", OTH, "Access denied"),
	CU("422", OTH, "Access report by user"),
	CZ("423", BUR, "Access - forced access"),
	CU("424", OTH, "Access - egress denied"),
	CU("425", OTH, "Access - egress granted"),
	CZ("426", OTH, "Access - door propped open"),
	CZ("427", TRB, "Access - door status monitor trouble"),
	CZ("428", TRB, "Access - request to exit trouble"),
	CU("429", OTH, "Access - program mode entry"),
	CU("430", OTH, "Access - program mode exit"),
	CU("431", OTH, "Access - threat level change"),
	CZ("432", TRB, "Access - relay/trigger failure"),
	CZ("433", OTH, "Access - request to exit shunt"),
	CZ("434", OTH, "Access - door status monitor shunt"),
	CU("441", OC, "Armed stay"),
	CZ("442", OC, "Keyswitch armed stay"),
	CU("450", OC, "Exception open/close"),
	CU("451", OC, "Early open/close"),
	CU("452", OC, "Late open/close"),
	CU("453", OC, "Failed to open"),
	CU("454", OC, "Failed to close"),
	CU("455", OC, "Automatic arm failed"),
	CU("456", OC, "Partial arm"),
	CU("457", OC, "Exit error by user"),
	CU("458", OC, "User on premises"),
	CU("459", OC, "Recent close"),
	CU("461", TAM, "Wrong code entry"),
	CU("462", OTH, "Legal code entry"),
	CU("463", OC, "Re-arm after alarm"),
	CU("464", OC, "Automatic arm time extended"),
	CU("465", OTH, "Panic alarm reset"),
	CU("466", OTH, "Service on/off premises"),
	CZ("520", TRB, "Sounder/relay disabled"),
	CZ("521", TRB, "Bell 1 disabled"),
	CZ("522", TRB, "Bell 2 disabled"),
	CZ("523", TRB, "Alarm relay disabled"),
	CZ("524", TRB, "Trouble relay disabled"),
	CZ("525", TRB, "Reversing relay disabled"),
	CZ("526", TRB, "Notification appliance 3 disabled"),
	CZ("527", TRB, "Notification appliance 4 disabled"),
	CZ("531", OTH, "Module added"),
	CZ("532", OTH, "Module removed"),
	CZ("551", TRB, "Dialer disabled"),
	CZ("552", TRB, "Radio transmitter disabled"),
	CZ("553", TRB, "Remote upload/download disabled"),
	CZ("570", OTH, "Zone bypass"),
	CZ("571", OTH, "Fire zone bypass"),
	CZ("572", OTH, "24-hour zone bypass"),
	CZ("573", OTH, "Burglary zone bypass"),
	CU("574", OTH, "Group bypass"),
	CZ("575", OTH, "Swinger bypass"),
	CZ("576", OTH, "Access zone shunt"),
	CZ("577", OTH, "Access point bypass"),
	CU("601", TST, "Manual test"),
	CZ("602", TST, "Periodic test"),
	CZ("603", TST, "Periodic RF transmission"),
	CU("604", TST, "Fire test"),
	CZ("605", OTH, "Status report to follow"),
	CZ("606", OTH, "Listen-in to follow"),
	CU("607", TST, "Walk test mode"),
	CZ("608", TST, "Periodic test - system trouble present"),
	CZ("609", OTH, "Video transmitter active"),
	CZ("611", TST, "Point tested OK"),
	CZ("612", TST, "Point not tested"),
	CZ("613", TST, "Intrusion zone walk tested"),
	CZ("614", TST, "Fire zone walk tested"),
	CZ("615", TST, "Panic zone walk tested"),
	CZ("616", OTH, "Service request"),
	CZ("621", OTH, "Event log reset"),
	CZ("622", OTH, "Event log 50% full"),
	CZ("623", OTH, "Event log 90% full"),
	CZ("624", OTH, "Event log overflow"),
	CU("625", OTH, "Time/date reset"),
	CZ("626", TRB, "Time/date inaccurate"),
	CU("627", OTH, "Program mode entry"),
	CU("628", OTH, "Program mode exit"),
	CZ("629", OTH, "32-hour event log marker"),
	CZ("630", OTH, "Schedule change"),
	CZ("631", OTH, "Exception schedule change"),
	CZ("632", OTH, "Access schedule change"),
	CZ("654", SUP, "System inactivity"),
	CU("900", OTH, "Download abort"),
	CU("901", OTH, "Download start/end"),
	CU("902", OTH, "Download interrupted"),
	CU("910", OC, "Automatic close with bypass"),
	CU("911", OC, "Bypass closing"),
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static const char *const class_names[EVC_COUNT] = {
	"other", "burglary", "fire", "panic", "medical",
	"tamper", "trouble", "supervisory", "openclose", "test",
	"patrol", "threat"
};

static const char *const qual_names[] = { "new", "restore", "status" };

/* bsearch comparator: a code string against a table entry. */
static int
sia_cmp(const void *key, const void *elem)
{
	const struct code_info	*ci = elem;

	return strcmp(key, ci->code);
}

/* bsearch comparator: an int code against a three-digit table entry. */
static int
cid_cmp(const void *key, const void *elem)
{
	const struct code_info	*ci = elem;
	int			 k = *(const int *)key, v;

	v = (ci->code[0] - '0') * 100 + (ci->code[1] - '0') * 10 +
	    (ci->code[2] - '0');
	return (k > v) - (k < v);
}

/* Look a SIA two-letter code up; NULL when unknown. */
const struct code_info *
codes_sia(const char *code)
{
	if (code == NULL)
		return NULL;
	return bsearch(code, sia_table, NELEM(sia_table), sizeof(sia_table[0]),
	    sia_cmp);
}

/* Look a Contact ID code (0-999) up; NULL when unknown. */
const struct code_info *
codes_cid(int code)
{
	if (code < 0 || code > 999)
		return NULL;
	return bsearch(&code, cid_table, NELEM(cid_table), sizeof(cid_table[0]),
	    cid_cmp);
}

/* The whole SIA table, sorted by code, and its length. */
const struct code_info *
codes_sia_table(size_t *n)
{
	*n = NELEM(sia_table);
	return sia_table;
}

/* The whole Contact ID table, sorted by code, and its length. */
const struct code_info *
codes_cid_table(size_t *n)
{
	*n = NELEM(cid_table);
	return cid_table;
}

/* The class's name, "other" for anything out of range. */
const char *
codes_class_name(enum event_class cls)
{
	if ((int)cls < 0 || cls >= EVC_COUNT)
		return class_names[EVC_OTHER];
	return class_names[cls];
}

/* The class named name, or -1. */
int
codes_class_parse(const char *name)
{
	int	 i;

	if (name == NULL)
		return -1;
	for (i = 0; i < EVC_COUNT; i++)
		if (strcmp(name, class_names[i]) == 0)
			return i;
	return -1;
}

/* "new", "restore" or "status"; "new" for anything out of range. */
const char *
codes_qual_name(enum event_qual q)
{
	if ((int)q < 0 || (size_t)q >= NELEM(qual_names))
		return qual_names[EVQ_NEW];
	return qual_names[q];
}
