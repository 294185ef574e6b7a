"""Everything that talks to hardware, behind the two interfaces in `base`."""
