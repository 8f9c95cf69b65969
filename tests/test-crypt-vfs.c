#include "lia-test-util.h"
int
main (int argc, char **argv)
{
  lia_test_init (&argc, &argv);
  return g_test_run ();
}
