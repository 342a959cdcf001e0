set terminal pngcairo size 900,550
set termoption noenhanced
set output "docs/results/reference/figures/sweep-dit-b-spread-functions.png"
set title "Sweep dit-b-spread: function shapes"
set xlabel 'x'
set ylabel 'f(x)'
set grid
set key top left
set xrange [-4:4]
plot "docs/results/reference/figures/sweep-dit-b-spread-functions.dat" using 1:2 with lines lw 2 title "erf(x)"
