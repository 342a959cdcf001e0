set terminal svg size 1560,360 dynamic
set termoption noenhanced
set output "docs/results/reference-r16/report/figures/table2-loss.svg"
set multiplot layout 1,3 title "Table 2: training loss"
set xlabel 'step'
set ylabel 'training loss'
set grid
set key top right font ',8'
set title "arcsinh(x)"
plot "docs/results/reference-r16/report/figures/table2-loss-23253a57ed1d161a.dat" using 1:2 with lines lt 1 dt 1 title "original", "docs/results/reference-r16/report/figures/table2-loss-3ce1ee99d93965c0.dat" using 1:2 with lines lt 2 dt 1 title "lambda_u = 0.5", "docs/results/reference-r16/report/figures/table2-loss-0b441dc141446600.dat" using 1:2 with lines lt 3 dt 1 title "lambda_u = 0.8", "docs/results/reference-r16/report/figures/table2-loss-4f2882659fd01d16.dat" using 1:2 with lines lt 4 dt 1 title "lambda_u = 1", "docs/results/reference-r16/report/figures/table2-loss-50a7d1c504e77b74.dat" using 1:2 with lines lt 5 dt 1 title "lambda_u = 2", "docs/results/reference-r16/report/figures/table2-loss-ea6b52f5188b126b.dat" using 1:2 with lines lt 6 dt 1 title "lambda_u = 3", "docs/results/reference-r16/report/figures/table2-loss-80e8208c783fd20c.dat" using 1:2 with lines lt 7 dt 1 title "lambda_u = 5"
set title "logsign(x)"
plot "docs/results/reference-r16/report/figures/table2-loss-9493f69169ece2ef.dat" using 1:2 with lines lt 1 dt 1 title "original", "docs/results/reference-r16/report/figures/table2-loss-f258351d54289afe.dat" using 1:2 with lines lt 2 dt 1 title "lambda_u = 0.5", "docs/results/reference-r16/report/figures/table2-loss-bdcec7c5fe37413a.dat" using 1:2 with lines lt 3 dt 1 title "lambda_u = 0.8", "docs/results/reference-r16/report/figures/table2-loss-b11140b3e6d7b0ef.dat" using 1:2 with lines lt 4 dt 1 title "lambda_u = 1", "docs/results/reference-r16/report/figures/table2-loss-afb586ca134a14af.dat" using 1:2 with lines lt 5 dt 1 title "lambda_u = 2", "docs/results/reference-r16/report/figures/table2-loss-c1dbfa3b80715207.dat" using 1:2 with lines lt 6 dt 1 title "lambda_u = 3", "docs/results/reference-r16/report/figures/table2-loss-bfc9ba5a6234f789.dat" using 1:2 with lines lt 7 dt 1 title "lambda_u = 5"
set title "linear(x)"
plot "docs/results/reference-r16/report/figures/table2-loss-09948f2bfc3c2ebb.dat" using 1:2 with lines lt 1 dt 1 title "lambda_u = 0.5", "docs/results/reference-r16/report/figures/table2-loss-7e67f76cb25c29e7.dat" using 1:2 with lines lt 2 dt 1 title "lambda_u = 0.8", "docs/results/reference-r16/report/figures/table2-loss-88c72aa526fcd71e.dat" using 1:2 with lines lt 3 dt 1 title "lambda_u = 1", "docs/results/reference-r16/report/figures/table2-loss-9ce210a69b86996a.dat" using 1:2 with lines lt 4 dt 1 title "lambda_u = 2", "docs/results/reference-r16/report/figures/table2-loss-12845bc7eec58094.dat" using 1:2 with lines lt 5 dt 1 title "lambda_u = 3", "docs/results/reference-r16/report/figures/table2-loss-eda34d74119d5f3a.dat" using 1:2 with lines lt 6 dt 1 title "lambda_u = 5"
unset multiplot
