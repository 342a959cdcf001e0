set terminal svg size 720,440 dynamic
set termoption noenhanced
set output "docs/results/reference/figures/sweep-dit-b-spread-search.svg"
set title "Sweep dit-b-spread (grid): best so far"
set xlabel 'steps trained'
set ylabel "FID"
set grid
set xrange [0:*]
set key top right
plot "docs/results/reference/figures/sweep-dit-b-spread-search.dat" using 1:2 with steps lw 2 title 'best candidate so far', 21.3713 with lines dt 2 lt 2 title "layernorm"
